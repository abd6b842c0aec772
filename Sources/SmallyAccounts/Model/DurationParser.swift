import Foundation

/// Parses durations like `90s`, `15m`, `12h`, `30d`, `2w`, `1h30m` (for `--expires-in`, `--grace`).
///
/// Bounded: at most ``maximumSeconds`` (3,650 days) in total and 9 digits per number, so that no
/// accepted duration can overflow when added to a date and turned into stored milliseconds
/// (`"999999999999d"` used to trap there).
public enum DurationParser {
    /// 3,650 days (about ten years): longer than any sensible key lifetime or grace period.
    public static let maximumSeconds: TimeInterval = 3_650 * 86_400

    public static func seconds(_ text: String) throws -> TimeInterval {
        try seconds(text, field: "duration")
    }

    /// - Parameter field: named in the error message (e.g. `expires_in`, `grace`).
    public static func seconds(_ text: String, field: String) throws -> TimeInterval {
        let units: [Character: Int] = ["s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 604_800]
        var total = 0
        var number = 0
        var digits = 0
        var sawUnit = false
        for character in text.lowercased() {
            if character.isASCII, let digit = character.wholeNumberValue {
                digits += 1
                // 9 digits times a week still fits an Int with room to spare; more is refused.
                guard digits <= 9 else { throw invalid(text, field: field) }
                number = number * 10 + digit
            } else if let unit = units[character], digits > 0 {
                total += number * unit
                guard total <= Int(maximumSeconds) else { throw invalid(text, field: field) }
                number = 0
                digits = 0
                sawUnit = true
            } else {
                throw invalid(text, field: field)
            }
        }
        guard sawUnit, digits == 0, total > 0 else { throw invalid(text, field: field) }
        return TimeInterval(total)
    }

    /// Checks a duration given in seconds (admin API, CLI, library callers): finite and in
    /// `minimum...maximumSeconds`.
    public static func validate(_ seconds: TimeInterval, field: String, minimum: TimeInterval) throws {
        guard seconds.isFinite, seconds >= minimum, seconds <= maximumSeconds else {
            throw AccountsError(.invalidArgument, "\(field) must be between \(Int(minimum)) s and \(Int(maximumSeconds)) s (3650d)")
        }
    }

    private static func invalid(_ text: String, field: String) -> AccountsError {
        AccountsError(.invalidArgument, "\(field): '\(text.prefix(40))' is not a duration; use e.g. 30d, 12h, 15m, 90s or 1h30m, "
                      + "at most 3650d in total")
    }
}
