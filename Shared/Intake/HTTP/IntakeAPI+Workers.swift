import Foundation
import HangarContracts
import HangarHistory
import Hummingbird

/// `GET /v1/workers` (viewer): each worker heard from in the last hour, with its concurrency,
/// the steps it runs and when it last said so (every `HANGAR_WORKER_STATUS_MS`, 5 s by default;
/// a worker stopped gracefully leaves the list, one killed stays until an hour of silence).
extension IntakeAPI {
    func addWorkerRoutes(to v1: RouterGroup<BasicRequestContext>) {
        v1.get("workers") { request, _ in
            _ = try auth.authenticate(request, requiring: .viewer)
            return try json(WorkerList(items: try await workers.list(since: Date().addingTimeInterval(-3600))))
        }
    }
}
