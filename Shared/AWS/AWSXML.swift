import Foundation

#if canImport(FoundationXML)
import FoundationXML
#endif

/// An element of an XML answer: its name (without namespace prefix), its text and its children.
/// Small on purpose: the Query APIs answer small documents of elements and text.
public struct AWSXML: Sendable, Equatable {
    /// The element's name without its namespace prefix, e.g. `instanceId`.
    public var name: String
    /// The text directly inside the element, not trimmed; the children's text is not included.
    public var text: String
    /// The child elements, in document order.
    public var children: [AWSXML]

    /// Creates an element; the parser builds them, and tests build answers with it.
    public init(name: String, text: String = "", children: [AWSXML] = []) {
        self.name = name
        self.text = text
        self.children = children
    }

    /// The first child called `name`.
    public func child(_ name: String) -> AWSXML? { children.first { $0.name == name } }

    /// The children called `name`.
    public func children(_ name: String) -> [AWSXML] { children.filter { $0.name == name } }

    /// The node at a path of child names, e.g. `["launchTemplate", "defaultVersionNumber"]`.
    public func node(_ path: String...) -> AWSXML? { node(path) }

    /// The node at a path of child names given as an array; `self` for an empty path.
    public func node(_ path: [String]) -> AWSXML? {
        var current = self
        for name in path {
            guard let next = current.child(name) else { return nil }
            current = next
        }
        return current
    }

    /// The trimmed text at a path of child names, `nil` when absent or empty.
    public func string(_ path: String...) -> String? {
        guard let text = node(path)?.text.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty else { return nil }
        return text
    }

    /// The items of a list: EC2 wraps them in `<item>`, Auto Scaling in `<member>`.
    public func items(_ path: String...) -> [AWSXML] {
        guard let list = node(path) else { return [] }
        return list.children.filter { $0.name == "item" || $0.name == "member" }
    }

    /// Every descendant called `name`, depth first.
    public func descendants(_ name: String) -> [AWSXML] {
        children.flatMap { ($0.name == name ? [$0] : []) + $0.descendants(name) }
    }

    /// Parses a document; `nil` when it is not well-formed XML.
    public static func parse(_ data: Data) -> AWSXML? {
        let parser = XMLParser(data: data)
        let builder = Builder()
        parser.delegate = builder
        guard parser.parse(), let root = builder.root else { return nil }
        return root
    }

    private final class Builder: NSObject, XMLParserDelegate {
        var stack: [AWSXML] = []
        var root: AWSXML?

        func parser(
            _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName qName: String?,
            attributes attributeDict: [String: String] = [:]
        ) {
            let local = elementName.split(separator: ":").last.map(String.init) ?? elementName
            stack.append(AWSXML(name: local))
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            guard !stack.isEmpty else { return }
            stack[stack.count - 1].text += string
        }

        func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName qName: String?) {
            guard let node = stack.popLast() else { return }
            if stack.isEmpty { root = node } else { stack[stack.count - 1].children.append(node) }
        }
    }
}
