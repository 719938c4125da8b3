import AWSClient
import Foundation
import Testing

/// Checked against AWS's published Signature Version 4 test suite and documentation examples
/// (moto does not verify signatures, so these are what proves the signing).
@Suite("SigV4 signing against AWS's published vectors")
struct SigV4SignerTests {
    static let credentials = AWSCredentials(accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
    /// 20150830T123600Z, the test suite's date.
    static let date = Date(timeIntervalSince1970: 1_440_938_160)
    static let suite = SigV4Signer(credentials: credentials, region: "us-east-1", service: "service")

    static func authorization(_ headers: [(String, String)]) -> String? { headers.first { $0.0 == "Authorization" }?.1 }

    @Test("the date is formatted as AWS wants it")
    func amzDate() {
        #expect(SigV4Signer.amzDate(Self.date) == "20150830T123600Z")
    }

    @Test("get-vanilla")
    func getVanilla() {
        let headers = Self.suite.sign(.init(method: "GET", host: "example.amazonaws.com"), at: Self.date)
        #expect(
            Self.authorization(headers)
                == "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, "
                + "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31")
    }

    @Test("get-vanilla-query-order-key-case: query parameters are sorted")
    func getQueryOrder() {
        let request = SigV4Signer.Request(
            method: "GET", host: "example.amazonaws.com", query: [("Param2", "value2"), ("Param1", "value1")])
        let headers = Self.suite.sign(request, at: Self.date)
        #expect(Self.authorization(headers)?.hasSuffix("Signature=b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500") == true)
    }

    @Test("post-x-www-form-urlencoded: the body is hashed and content-type signed")
    func postForm() {
        let request = SigV4Signer.Request(
            method: "POST", host: "example.amazonaws.com", headers: [("Content-Type", "application/x-www-form-urlencoded")],
            body: Array("Param1=value1".utf8))
        let headers = Self.suite.sign(request, at: Self.date)
        #expect(
            Self.authorization(headers)
                == "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
                + "SignedHeaders=content-type;host;x-amz-date, Signature=ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a")
    }

    @Test("the IAM ListUsers example of the AWS documentation")
    func iamExample() {
        let signer = SigV4Signer(credentials: Self.credentials, region: "us-east-1", service: "iam")
        let request = SigV4Signer.Request(
            method: "GET", host: "iam.amazonaws.com", query: [("Action", "ListUsers"), ("Version", "2010-05-08")],
            headers: [("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")])
        let headers = signer.sign(request, at: Self.date)
        let canonical = signer.canonical(request, headers: headers.filter { $0.0 != "Authorization" })
        #expect(
            canonical.request
                == "GET\n/\nAction=ListUsers&Version=2010-05-08\ncontent-type:application/x-www-form-urlencoded; charset=utf-8\n"
                + "host:iam.amazonaws.com\nx-amz-date:20150830T123600Z\n\ncontent-type;host;x-amz-date\n"
                + "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(Self.authorization(headers)?.hasSuffix("Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7") == true)
    }

    @Test("the signing key of the documentation's example")
    func signingKey() {
        let signer = SigV4Signer(credentials: Self.credentials, region: "us-east-1", service: "iam")
        let key = signer.signingKey(day: "20150830").withUnsafeBytes { Array($0) }
        let hex = key.map { String(format: "%02x", $0) }.joined()
        #expect(hex == "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9")
    }

    @Test("temporary credentials sign the security token")
    func sessionToken() {
        let signer = SigV4Signer(
            credentials: AWSCredentials(accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret", sessionToken: "TOKEN"), region: "eu-west-1",
            service: "ec2")
        let headers = signer.sign(.init(method: "POST", host: "ec2.eu-west-1.amazonaws.com"), at: Self.date)
        #expect(headers.contains { $0 == ("X-Amz-Security-Token", "TOKEN") })
        #expect(Self.authorization(headers)?.contains("SignedHeaders=host;x-amz-date;x-amz-security-token") == true)
    }

    @Test("percent-encoding keeps only unreserved characters")
    func encoding() {
        #expect(SigV4Signer.percentEncode("a b+c/~d=é") == "a%20b%2Bc%2F~d%3D%C3%A9")
    }

    @Test("credentials never show their secret")
    func redacted() {
        #expect(!"\(Self.credentials)".contains("EXAMPLEKEY"))
    }
}
