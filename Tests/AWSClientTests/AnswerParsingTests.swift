import AWSClient
import Foundation
import Testing

@Suite("AWS answers: XML, errors, credentials")
struct AnswerParsingTests {
    @Test("an EC2 error answer becomes a typed error")
    func ec2Error() {
        let xml = """
            <?xml version="1.0" encoding="UTF-8"?>
            <Response><Errors><Error><Code>InvalidInstanceID.NotFound</Code><Message>The instance ID 'i-1' does not exist</Message></Error></Errors><RequestID>r-1</RequestID></Response>
            """
        #expect {
            try AWSQueryClient.interpret(data: Data(xml.utf8), status: 400, action: "DescribeInstances")
        } throws: { error in
            let error = error as! AWSError
            return error.code == .service && error.awsCode == "InvalidInstanceID.NotFound" && error.requestId == "r-1" && !error.isRetriable
        }
    }

    @Test("throttling and 5xx are retriable; Auto Scaling's error shape")
    func retriable() {
        let throttled = """
            <ErrorResponse xmlns="http://autoscaling.amazonaws.com/doc/2011-01-01/"><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>x</RequestId></ErrorResponse>
            """
        #expect {
            try AWSQueryClient.interpret(data: Data(throttled.utf8), status: 400, action: "DescribeAutoScalingGroups")
        } throws: { ($0 as! AWSError).code == .throttling && ($0 as! AWSError).isRetriable }
        let internalError = "<Response><Errors><Error><Code>InternalError</Code><Message>oops</Message></Error></Errors></Response>"
        #expect {
            try AWSQueryClient.interpret(data: Data(internalError.utf8), status: 500, action: "CreateImage")
        } throws: { ($0 as! AWSError).code == .server && ($0 as! AWSError).isRetriable }
    }

    @Test("an HTML 500 page is reported as an error, never parsed as a result")
    func html() {
        let page = "<!doctype html>\n<html lang=en>\n<title>500 Internal Server Error</title>\n<h1>Internal Server Error</h1>"
        #expect {
            try AWSQueryClient.interpret(data: Data(page.utf8), status: 500, action: "StartInstanceRefresh")
        } throws: { error in
            let error = error as! AWSError
            return error.code == .unexpectedResponse && error.httpStatus == 500 && "\(error)".contains("StartInstanceRefresh")
        }
    }

    @Test("a gateway's HTML 502, 503 or 504 and a plain 429 are tried again; a 501 is unsupported; a 200 of HTML is not understood")
    func nonXMLAnswers() {
        let page = "<html><head><title>503 Service Temporarily Unavailable</title></head><body>nginx</body></html>"
        for status in [502, 503, 504] {
            #expect {
                try AWSQueryClient.interpret(data: Data(page.utf8), status: status, action: "DescribeImages")
            } throws: { error in
                let error = error as! AWSError
                return error.code == .server && error.isRetriable && error.httpStatus == status
            }
        }
        #expect {
            try AWSQueryClient.interpret(data: Data("Too Many Requests".utf8), status: 429, action: "DescribeImages")
        } throws: { ($0 as! AWSError).code == .throttling && ($0 as! AWSError).isRetriable }
        #expect {
            try AWSQueryClient.interpret(data: Data("Not Implemented".utf8), status: 501, action: "StartInstanceRefresh")
        } throws: { ($0 as! AWSError).code == .unsupported }
        #expect {
            try AWSQueryClient.interpret(data: Data(page.utf8), status: 200, action: "DescribeImages")
        } throws: { ($0 as! AWSError).code == .unexpectedResponse && !($0 as! AWSError).isRetriable }
    }

    @Test("JSON-protocol answers (Systems Manager): a qualified error type, throttling, an answer that is not JSON")
    func jsonErrors() throws {
        struct Answer: Decodable { var CommandId: String }
        let refused = #"{"__type":"com.amazonaws.ssm#InvalidInstanceId","message":"Instances [[i-1]] not in a valid state"}"#
        #expect {
            let _: Answer = try AWSQueryClient.interpretJSON(data: Data(refused.utf8), status: 400, action: "SendCommand")
        } throws: { error in
            let error = error as! AWSError
            return error.code == .service && error.awsCode == "InvalidInstanceId" && error.message.contains("valid state") && !error.isRetriable
        }
        let throttled = #"{"__type":"ThrottlingException","Message":"Rate exceeded"}"#
        #expect {
            let _: Answer = try AWSQueryClient.interpretJSON(data: Data(throttled.utf8), status: 400, action: "GetCommandInvocation")
        } throws: { ($0 as! AWSError).isRetriable }
        #expect {
            let _: Answer = try AWSQueryClient.interpretJSON(data: Data("<html>busy</html>".utf8), status: 502, action: "ListCommands")
        } throws: { ($0 as! AWSError).code == .server }
        #expect {
            let _: Answer = try AWSQueryClient.interpretJSON(data: Data(#"{"Other":1}"#.utf8), status: 200, action: "SendCommand")
        } throws: { ($0 as! AWSError).code == .unexpectedResponse }
        let answer: Answer = try AWSQueryClient.interpretJSON(data: Data(#"{"CommandId":"c-1"}"#.utf8), status: 200, action: "SendCommand")
        #expect(answer.CommandId == "c-1")
    }

    @Test("XML answers parse into nodes; lists are item or member elements")
    func parsing() throws {
        let xml = """
            <DescribeLaunchTemplatesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><launchTemplates>
            <item><launchTemplateId>lt-1</launchTemplateId><launchTemplateName>web</launchTemplateName><defaultVersionNumber>3</defaultVersionNumber></item>
            </launchTemplates></DescribeLaunchTemplatesResponse>
            """
        let root = try AWSQueryClient.interpret(data: Data(xml.utf8), status: 200, action: "DescribeLaunchTemplates")
        #expect(root.items("launchTemplates").first?.string("defaultVersionNumber") == "3")
        #expect(root.items("launchTemplates").first?.string("launchTemplateName") == "web")
    }

    @Test("credentials from the environment and from a profile")
    func credentials() throws {
        let fromEnvironment = try AWSCredentials.resolve(environment: [
            "AWS_ACCESS_KEY_ID": "AK", "AWS_SECRET_ACCESS_KEY": "SK", "AWS_SESSION_TOKEN": "T",
        ])
        #expect(fromEnvironment == AWSCredentials(accessKeyId: "AK", secretAccessKey: "SK", sessionToken: "T"))
        #expect(throws: AWSError.self) { try AWSCredentials.resolve(environment: ["AWS_ACCESS_KEY_ID": "AK"]) }

        let file = """
            [default]
            aws_access_key_id = DEF
            aws_secret_access_key = DEFSECRET
            # a comment
            [profile deploy]
            aws_access_key_id=DEP
            aws_secret_access_key=DEPSECRET
            aws_session_token = TOK
            """
        #expect(
            AWSCredentials.fromProfile("deploy", in: file) == AWSCredentials(accessKeyId: "DEP", secretAccessKey: "DEPSECRET", sessionToken: "TOK"))
        #expect(AWSCredentials.fromProfile("default", in: file)?.accessKeyId == "DEF")
        #expect(AWSCredentials.fromProfile("missing", in: file) == nil)

        let path = FileManager.default.temporaryDirectory.appendingPathComponent("aws-credentials-\(UUID().uuidString)").path
        try file.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let resolved = try AWSCredentials.resolve(environment: ["AWS_SHARED_CREDENTIALS_FILE": path, "AWS_PROFILE": "deploy"])
        #expect(resolved.accessKeyId == "DEP")
    }

    @Test("the endpoint override comes from HANGAR_AWS_ENDPOINT_URL, then AWS_ENDPOINT_URL")
    func endpoint() {
        #expect(AWSClientConfiguration.endpointOverride(environment: [:]) == nil)
        #expect(AWSClientConfiguration.endpointOverride(environment: ["AWS_ENDPOINT_URL": "http://127.0.0.1:5000"])?.port == 5000)
        #expect(
            AWSClientConfiguration.endpointOverride(environment: ["AWS_ENDPOINT_URL": "http://a:1", "HANGAR_AWS_ENDPOINT_URL": "http://b:2"])?.host
                == "b")
    }
}
