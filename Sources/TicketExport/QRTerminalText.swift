extension QRImage {
    /// The code as text for a terminal, two module rows per line in half blocks, the
    /// way `qrencode -t UTF8` draws it: light modules are the block characters, so on
    /// a dark terminal the code reads dark-on-light as a camera expects. Make the
    /// image with `moduleSize: 1`.
    public var terminalText: String {
        let stride = (width + 7) / 8
        func light(_ x: Int, _ y: Int) -> Bool {
            guard y < width else { return true }
            return rows[y * stride + x >> 3] & (0x80 >> UInt8(x & 7)) != 0
        }
        var lines: [String] = []
        for y in Swift.stride(from: 0, to: width, by: 2) {
            var line = ""
            for x in 0..<width {
                switch (light(x, y), light(x, y + 1)) {
                case (true, true): line += "█"
                case (true, false): line += "▀"
                case (false, true): line += "▄"
                case (false, false): line += " "
                }
            }
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }
}
