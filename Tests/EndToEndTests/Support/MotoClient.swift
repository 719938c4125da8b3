import AWSClient
import Foundation
import HangarHarness
import Logging

extension MotoServer {
    /// A query client straight to this moto server (no proxy), to check the cloud afterwards.
    func queryClient() -> AWSQueryClient {
        AWSQueryClient(
            configuration: AWSClientConfiguration(
                region: "us-east-1", endpointOverride: URL(string: endpoint),
                credentials: { AWSCredentials(accessKeyId: "testing", secretAccessKey: "testing") }),
            logger: Logger(label: "hangar.test"))
    }
}
