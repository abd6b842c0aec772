import Foundation
import SmallyCore
import SmallyEngine
import SmallyJSON

/// Writes a request's vectors in the forms it asked for (``EmbeddingFormat``): floats through
/// ``RenderedVectors`` (hot vectors' JSON kept), base64 float32 bytes, or the compact integer forms.
struct VectorOutput {
    let formats: [EmbeddingFormat]
    let byType: Bool
    /// The int8/uint8 ranges of the model for the vectors' form (stored or normalised); nil when no
    /// format needs them.
    let ranges: QuantizationRanges?
    let rendered: RenderedVectors

    /// Looks up the model's ranges when a format needs them (measured on first use).
    init(options: EmbeddingRequestOptions, model: ServedModel, normalized: Bool, service: EmbeddingService,
         rendered: RenderedVectors) async throws {
        formats = options.formats
        byType = options.formatsByType
        ranges = options.formats.contains(where: \.needsRanges)
            ? try await service.quantizationRanges(for: model, normalized: normalized) : nil
        self.rendered = rendered
    }

    /// A vector's value: an array, a base64 string, or (with `embedding_types`) an object keyed by type.
    enum Source {
        /// An input's own vector, L2-normalised when `normalize` (floats may come from kept JSON).
        case input(EmbeddedInput, normalize: Bool)
        /// A vector the route computed (e.g. shortened to `dimensions`).
        case vector([Float])
    }

    func write(_ source: Source, into writer: inout JSONWriter) {
        guard byType else {
            write(source, format: formats[0], into: &writer)
            return
        }
        writer.beginObject()
        for format in formats {
            writer.key(format.rawValue)
            write(source, format: format, into: &writer)
        }
        writer.endObject()
    }

    /// A batch: one array, or with `embedding_types` one array per type (Cohere's `{"float": [[…]], "int8": [[…]]}`).
    func writeAll(_ sources: [Source], into writer: inout JSONWriter) {
        func array(_ format: EmbeddingFormat) {
            writer.beginArray()
            for source in sources { write(source, format: format, into: &writer) }
            writer.endArray()
        }
        guard byType else { return array(formats[0]) }
        writer.beginObject()
        for format in formats {
            writer.key(format.rawValue)
            array(format)
        }
        writer.endObject()
    }

    private func write(_ source: Source, format: EmbeddingFormat, into writer: inout JSONWriter) {
        if format == .float, case .input(let input, let normalize) = source {
            rendered.write(input, normalize: normalize, into: &writer)
            return
        }
        let vector = switch source {
        case .input(let input, let normalize): normalize ? l2Normalized(input.vector) : input.vector
        case .vector(let vector): vector
        }
        switch format {
        case .float:
            writer.floats(vector)
        case .base64:
            writer.string(Self.base64(vector))
        case .int8, .uint8, .binary, .ubinary:
            writer.ints(EmbeddingQuantization.quantize(vector, as: format, ranges: ranges))
        }
    }

    /// Little-endian float32 bytes in base64, what the OpenAI client decodes by default.
    static func base64(_ vector: [Float]) -> String {
        var bytes = [UInt8]()
        bytes.reserveCapacity(vector.count * 4)
        for value in vector {
            let bits = value.bitPattern.littleEndian
            withUnsafeBytes(of: bits) { bytes.append(contentsOf: $0) }
        }
        return Data(bytes).base64EncodedString()
    }
}
