import { describe, expect, it } from 'vitest'
import { releaseNotes, semverOfTag } from '../../../scripts/release-notes.js'

const CHANGELOG = `# Changelog

## [Unreleased]

- something coming

## [1.1.0] - 2026-12-24

### Fixed

- a bug

## [1.0.0] - 2026-12-02

### Added

- everything

[1.0.0]: https://example.invalid/compare
`

describe('release notes from CHANGELOG.md', () => {
  it('reads a vX.Y.Z tag', () => {
    expect(semverOfTag('v1.2.3')).toBe('1.2.3')
    expect(semverOfTag('1.2.3')).toBe('1.2.3')
    expect(semverOfTag('v1')).toBeUndefined()
    expect(semverOfTag('v1.2.3-rc.1')).toBeUndefined()
  })

  it("takes the version's section up to the next heading, without link references", () => {
    expect(releaseNotes(CHANGELOG, '1.1.0')).toBe('### Fixed\n\n- a bug')
    expect(releaseNotes(CHANGELOG, '1.0.0')).toBe('### Added\n\n- everything')
  })

  it('has none for a version without a section, and never matches a prefix (1.0.0 is not 1.0.00)', () => {
    expect(releaseNotes(CHANGELOG, '2.0.0')).toBeUndefined()
    expect(releaseNotes(CHANGELOG, '1.0')).toBeUndefined()
  })
})
