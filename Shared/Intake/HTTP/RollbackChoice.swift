import Foundation
import HangarContracts
import HangarHistory

/// Which release a rollback returns to, worked out from an environment's succeeded
/// deployments (the last to end first), or why there is none (a 409 problem naming it).
///
/// - What runs now is the model of the deployment that succeeded last (the *live* one).
/// - Without `to`: the newest release (not a rollback) that ended before the release the live
///   version came from, with a model other than the live one. So a second rollback goes one
///   release further back, not forth again.
/// - With `to`: that deployment (a rollback stands for the release it returned to), when it
///   succeeded in this environment and its model is not the live one.
/// - A model that a later deployment's housekeeping removed (`removedModelVersions`) cannot be
///   returned to.
enum RollbackChoice {
    static func choose(to requested: UUID?, among succeeded: [SucceededDeployment]) -> Result<RollbackOf, Problem> {
        guard let live = succeeded.first else {
            return .failure(conflict("nothing has succeeded in this environment yet: there is no version to return to", field: requested))
        }
        guard let liveModel = live.outputs["mainModelVersion"] else {
            return .failure(
                conflict("deployment \(live.id.lowercasedString) recorded no model version: the running one is unknown", field: requested))
        }
        let origin = live.rollback?.deploymentId ?? live.id
        let target: SucceededDeployment
        if let requested {
            guard var chosen = succeeded.first(where: { $0.id == requested }) else {
                return .failure(
                    conflict("deployment \(requested.lowercasedString) is not a succeeded deployment of this environment", field: requested))
            }
            if let rollback = chosen.rollback, let release = succeeded.first(where: { $0.id == rollback.deploymentId }) {
                chosen = release
            }
            guard chosen.outputs["mainModelVersion"] != liveModel else {
                return .failure(conflict("version \(chosen.version) (model version \(liveModel)) is what runs now", field: requested))
            }
            target = chosen
        } else {
            let before = succeeded.first { $0.id == origin }?.finishedAt ?? live.finishedAt
            guard
                let chosen = succeeded.first(where: {
                    $0.rollback == nil && $0.finishedAt < before && $0.outputs["mainModelVersion"] != nil
                        && $0.outputs["mainModelVersion"] != liveModel
                })
            else {
                return .failure(conflict("no release succeeded before version \(live.version): there is no earlier version to return to", field: nil))
            }
            target = chosen
        }
        guard let model = target.outputs["mainModelVersion"] else {
            return .failure(conflict("deployment \(target.id.lowercasedString) recorded no model version to return to", field: requested))
        }
        if let remover = succeeded.first(where: {
            $0.finishedAt > target.finishedAt && ($0.outputs["removedModelVersions"] ?? "").split(separator: ",").contains { $0 == model }
        }) {
            return .failure(
                conflict(
                    "model version \(model) of version \(target.version) was removed by deployment \(remover.id.lowercasedString) (keepModelVersions)",
                    field: requested))
        }
        return .success(
            RollbackOf(
                deploymentId: target.id, version: target.version, modelVersion: model, imageId: target.outputs["imageId"],
                fromDeploymentId: live.id, fromVersion: live.version, fromModelVersion: liveModel))
    }

    private static func conflict(_ detail: String, field requested: UUID?) -> Problem {
        Problem(
            .conflict, title: "Nothing to roll back to", detail: detail,
            errors: requested == nil ? [] : [.init(field: "to", message: detail)])
    }
}
