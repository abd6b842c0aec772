import Foundation

/// Parses durations like `90s`, `15m`, `12h`, `30d`, `2w`, `1h30m` (for `--expires-in`, `--grace`).
public enum DurationParser {
    public static func seconds(_ text: String) throws -> TimeInterval {
        let units: [Character: TimeInterval] = ["s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 604_800]
        var total: TimeInterval = 0
        var number = ""
        var sawUnit = false
        for character in text.lowercased() {
            if character.isASCII, character.isNumber {
                number.append(character)
            } else if let unit = units[character], let value = Double(number) {
                total += value * unit
                number = ""
                sawUnit = true
            } else {
                throw invalid(text)
            }
        }
        guard sawUnit, number.isEmpty, total > 0 else { throw invalid(text) }
        return total
    }

    private static func invalid(_ text: String) -> AccountsError {
        AccountsError(.invalidArgument, "'\(text.prefix(40))' is not a duration; use e.g. 30d, 12h, 15m, 90s or 1h30m")
    }
}
