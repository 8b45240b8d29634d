import Benchmark
import StageWorkload

/// The worker's stages one by one, per message, over the sample fleet's mix of the five device
/// types (`Devices/`, every pack of `Rules/`, messages as the simulator makes them): wall time
/// and allocations. Run with
/// `swift package benchmark` from the repository root; allocations are deterministic, the figure
/// to drive down (issue 16); times vary with the machine. The loops are `StageWorkload`'s, which
/// `StageInstructions` counts instructions of under callgrind (`scripts/stage-cost.sh`).
///
/// Stages: 1 topic parse and registry look-up; 2 validation (topic, registry, JSON, schema and
/// ranges: stage 1 included); 3 the sequence check; 4 the rules (normal bands and every pack);
/// 5 the maintenance planner; 6 the commit (batches of 1000, per message).
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(metrics: [.wallClock, .mallocCountTotal], warmupIterations: 1000,
                                           scalingFactor: .kilo, maxDuration: .seconds(3), maxIterations: 100)

    Benchmark("1 topic + registry look-up") { benchmark in
        let stage = LookUpStage(Fixture.shared)
        benchmark.startMeasurement()
        blackHole(stage.run(benchmark.scaledIterations))
    }

    Benchmark("2 validation (topic, registry, JSON, schema)") { benchmark in
        let stage = ValidationStage(Fixture.shared)
        benchmark.startMeasurement()
        blackHole(stage.run(benchmark.scaledIterations))
    }

    Benchmark("3 sequence check") { benchmark in
        let stage = SequenceStage(Fixture.shared)
        benchmark.startMeasurement()
        blackHole(stage.run(benchmark.scaledIterations))
    }

    Benchmark("4 rules (bands and every pack)") { benchmark in
        let stage = RulesStage(Fixture.shared)
        benchmark.startMeasurement()
        blackHole(stage.run(benchmark.scaledIterations))
    }

    Benchmark("5 maintenance planner") { benchmark in
        let stage = PlannerStage(Fixture.shared)
        benchmark.startMeasurement()
        blackHole(stage.run(benchmark.scaledIterations))
    }

    Benchmark("6 commit (batches of 1000)") { benchmark in
        let stage = CommitStage(Fixture.shared, target: CommitTarget.shared)
        benchmark.startMeasurement()
        blackHole(stage.run(benchmark.scaledIterations))
    }
}
