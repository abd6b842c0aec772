import Foundation

/// Reading the JSON files of a model folder, each problem reported as a `ModelError` naming the file.
/// Cold path (read once at load) and SmallyEngine stays free of SmallyJSON, so Foundation's
/// JSONSerialization is used.
enum ModelFolder {
    static func exists(_ directory: URL, _ file: String) -> Bool {
        FileManager.default.fileExists(atPath: directory.appendingPathComponent(file).path)
    }

    static func readData(_ directory: URL, _ file: String, required: Bool) throws(ModelError) -> Data? {
        let url = directory.appendingPathComponent(file)
        guard FileManager.default.fileExists(atPath: url.path) else {
            if required { throw ModelError(file: file, "missing from model folder \(directory.path) (run `make model`)") }
            return nil
        }
        do {
            return try Data(contentsOf: url)
        } catch {
            throw ModelError(file: file, "cannot be read: \(error.localizedDescription)")
        }
    }

    static func readObject(_ directory: URL, _ file: String, required: Bool) throws(ModelError) -> [String: Any]? {
        guard let data = try readData(directory, file, required: required) else { return nil }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw ModelError(file: file, "is not a JSON object")
        }
        return object
    }

    static func readArray(_ directory: URL, _ file: String) throws(ModelError) -> [[String: Any]]? {
        guard let data = try readData(directory, file, required: false) else { return nil }
        guard let array = try? JSONSerialization.jsonObject(with: data) as? [[String: Any]] else {
            throw ModelError(file: file, "is not a JSON array of module objects")
        }
        return array
    }

    /// A JSON number as a Double, whatever Foundation made of it (huge integers such as
    /// transformers' "no limit" 1e30 do not fit an Int).
    static func number(_ value: Any?) -> Double? {
        guard let number = value as? NSNumber else { return nil }
        return number.doubleValue
    }
}
