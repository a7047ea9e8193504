import Foundation

/// Human-readable times for messages shown to door staff and written to logs.
public enum Timestamps {
    /// "2026-11-21 19:02:11 UTC": unambiguous across terminals in different zones.
    public static func utc(_ date: Date) -> String {
        let c = components(date, in: TimeZone(identifier: "UTC")!)
        return "\(c.year ?? 0)-\(two(c.month))-\(two(c.day)) \(two(c.hour)):\(two(c.minute)):\(two(c.second)) UTC"
    }

    /// "19:00" in `zone`: a time of day for a door message.
    public static func clock(_ date: Date, in zone: TimeZone) -> String {
        let c = components(date, in: zone)
        return "\(two(c.hour)):\(two(c.minute))"
    }

    /// "Sat 2 Dec" in `zone`. English names on purpose: messages are logged and
    /// replayed verbatim, whatever the locale of the process that wrote them.
    public static func day(_ date: Date, in zone: TimeZone) -> String {
        let c = components(date, in: zone)
        let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        return "\(weekdays[((c.weekday ?? 1) - 1) % 7]) \(c.day ?? 0) \(months[((c.month ?? 1) - 1) % 12])"
    }

    private static func components(_ date: Date, in zone: TimeZone) -> DateComponents {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        return calendar.dateComponents([.year, .month, .day, .weekday, .hour, .minute, .second], from: date)
    }

    private static func two(_ v: Int?) -> String { let v = v ?? 0; return v < 10 ? "0\(v)" : "\(v)" }
}
