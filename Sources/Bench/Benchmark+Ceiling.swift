import Foundation

extension Benchmark {
    /// The hand-over phase's rate and what it leaves the worker, as one line.
    ///
    /// The broker, the network thread and the worker share the machine's cores. If the cores are
    /// the limit, a message at rate r costs cores ÷ r of CPU in all. The hand-over alone costs
    /// cores ÷ h (broker, reading, copying, handing over); the target rate t leaves the worker
    /// cores ÷ t − cores ÷ h a message. An estimate: it ignores what waiting costs, so the real
    /// budget is smaller still.
    static func ceilingText(bare: Throughput, handOver: Throughput, pipeline: Throughput, target: Double, cores: Int) -> String {
        let h = handOver.messagesPerSecond
        var text = String(format: "hand-over alone (the pipeline's network thread and queue, a second thread discarding): %.0f msg/s, ratio %.2f",
                          h, h / bare.messagesPerSecond)
        if let micros = pipeline.workerMicrosPerReading {
            text += String(format: "; the worker costs %.1f µs a message", micros)
        }
        let t = target * bare.messagesPerSecond
        guard h > t else {
            return text + String(format: "; the target (%.0f msg/s) is beyond the hand-over alone: no worker could meet it here", t)
        }
        let budget = (Double(cores) / t - Double(cores) / h) * 1e6
        return text + String(format: "; the target (%.0f msg/s) leaves it at most %.1f µs if the %d cores are the limit", t, budget, cores)
    }
}
