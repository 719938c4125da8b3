import Testing

@testable import HangarIntake

@Suite("Entity tags")
struct EntityTagTests {
    @Test("If-None-Match: weak comparison, lists, * and no header")
    func matching() {
        let tag = EntityTag.revision("d", 42)
        #expect(tag == #"W/"d42""#)
        #expect(EntityTag.matches(ifNoneMatch: tag, tag))
        #expect(EntityTag.matches(ifNoneMatch: #""d42""#, tag), "a strong spelling of the same tag")
        #expect(EntityTag.matches(ifNoneMatch: #"W/"e1", W/"d42""#, tag))
        #expect(EntityTag.matches(ifNoneMatch: "*", tag))
        #expect(!EntityTag.matches(ifNoneMatch: nil, tag))
        #expect(!EntityTag.matches(ifNoneMatch: #"W/"d4""#, tag))
        #expect(!EntityTag.matches(ifNoneMatch: #"W/"d420""#, tag))
        #expect(!EntityTag.matches(ifNoneMatch: EntityTag.revision("e", 42), tag), "another resource's tag")
    }
}
