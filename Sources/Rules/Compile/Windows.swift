import Domain

/// A time window over one device's readings, kept in constant space.
///
/// A window of length W is held as `buckets` sub-windows of W/buckets plus the current one, in a
/// ring of doubles inside the device's slot array. Reading the window at time `now` aggregates
/// the current sub-window and the `buckets` before it, so it always covers at least the last W
/// and at most W + W/buckets of event time: a fault 23 h 59 min ago still counts in a 24 h window,
/// one 26 h ago never does. Samples older than the ring are ignored. This bound is what makes
/// per-device state constant (41 doubles per window), and is documented in docs/rules.md.
struct WindowSpec {
    enum Kind: String, Sendable { case rate, delta, avg, min, max, count }

    static let buckets = 12
    /// Doubles per bucket: epoch, then two values whose meaning depends on the kind.
    static let stride = 3
    static var slotCount: Int { (buckets + 1) * stride + 2 }

    let kind: Kind
    /// Field position (all kinds but `count`).
    let field: Int
    /// The condition counted by `count`.
    let condition: Program?
    let widthMs: Int64
    /// Canonical text, e.g. `rate(pressure_mpa, 1m)`: identical windows in several rules share
    /// their slots, and a hot reload carries a window's state over when its key is unchanged.
    let key: String
    var offset = 0

    var bucketMs: Int64 { max(1, widthMs / Int64(Self.buckets)) }

    /// What a program reads the window with.
    var read: WindowRead { WindowRead(kind: kind, offset: offset, bucketMs: bucketMs) }

    func reset(_ s: inout [Double]) {
        for i in 0..<Self.slotCount { s[offset + i] = .nan }
    }
}

extension WindowRead {
    /// Adds one sample taken at `ts`.
    func add(ts: Int64, value v: Double, to s: inout [Double]) {
        let epoch = Double(ts / bucketMs)
        let b = offset + Int(ts / bucketMs % Int64(WindowSpec.buckets + 1)) * WindowSpec.stride
        let held = s[b]
        if held.isNaN || held < epoch {
            s[b] = epoch
            switch kind {
            case .rate, .delta: s[b + 1] = Double(ts); s[b + 2] = v
            case .avg: s[b + 1] = v; s[b + 2] = 1
            case .min, .max, .count: s[b + 1] = v
            }
        } else if held == epoch {
            switch kind {
            case .rate, .delta: if Double(ts) < s[b + 1] { s[b + 1] = Double(ts); s[b + 2] = v }
            case .avg: s[b + 1] += v; s[b + 2] += 1
            case .min: s[b + 1] = Swift.min(s[b + 1], v)
            case .max: s[b + 1] = Swift.max(s[b + 1], v)
            case .count: s[b + 1] += v
            }
        } else {
            return // the ring has moved past this sample's sub-window
        }
        if kind == .rate || kind == .delta {
            let last = offset + (WindowSpec.buckets + 1) * WindowSpec.stride
            if s[last].isNaN || Double(ts) >= s[last] { s[last] = Double(ts); s[last + 1] = v }
        }
    }

    /// The window's value at `now`; NaN when it holds no samples (`count` is then 0), and for
    /// `rate`/`delta` until it holds two samples at different times.
    func value(at now: Int64, in s: [Double]) -> Double {
        let nowEpoch = Double(now / bucketMs)
        let oldest = nowEpoch - Double(WindowSpec.buckets)
        var a = 0.0, n = 0.0
        var m = Double.nan
        var firstTs = Double.infinity, firstV = Double.nan
        for i in 0...WindowSpec.buckets {
            let b = offset + i * WindowSpec.stride
            let e = s[b]
            guard e >= oldest, e <= nowEpoch else { continue }
            switch kind {
            case .rate, .delta: if s[b + 1] < firstTs { firstTs = s[b + 1]; firstV = s[b + 2] }
            case .avg: a += s[b + 1]; n += s[b + 2]
            case .count: a += s[b + 1]
            case .min: m = m.isNaN ? s[b + 1] : Swift.min(m, s[b + 1])
            case .max: m = m.isNaN ? s[b + 1] : Swift.max(m, s[b + 1])
            }
        }
        switch kind {
        case .count: return a
        case .avg: return n > 0 ? a / n : .nan
        case .min, .max: return m
        case .rate, .delta:
            let last = offset + (WindowSpec.buckets + 1) * WindowSpec.stride
            let lastTs = s[last], lastV = s[last + 1]
            guard firstTs.isFinite, !lastTs.isNaN, lastTs > firstTs, lastTs <= Double(now) else { return .nan }
            let d = lastV - firstV
            return kind == .delta ? d : d / ((lastTs - firstTs) / 1000)
        }
    }
}
