import { z } from 'zod'

/**
 * The done-marker convention of the file-system handoff (issue "Self-hosted GPU backends",
 * design seed 004 "Producer-Side Done Marker"): a producer that writes `<file>` into a folder
 * shared with a consumer (ComfyUI's output folder on a self-hosted runner) signals that the
 * file is complete by creating `<file>.done`. The marker is first written as
 * `<file>.done.tmp` and then renamed to `<file>.done`, so the marker appears atomically (a
 * rename within one folder is atomic on POSIX file systems and NTFS): a consumer never sees a
 * half-written marker, and never a marker before the file is complete.
 *
 * The marker's content is optional for consumers (any producer, e.g. a ComfyUI custom node,
 * may write an empty marker); this project's producer writes {@link DoneMarkerContentSchema},
 * which lets the consumer check the copy against the size and SHA-256 the producer saw.
 */

/** Suffix of the marker of a file. */
export const DONE_SUFFIX = '.done'
/** Suffix of the marker while it is being written. */
export const DONE_TEMP_SUFFIX = '.done.tmp'

/** `<file>.done`. */
export function markerPath(file: string): string {
  return `${file}${DONE_SUFFIX}`
}

/** `<file>.done.tmp`. */
export function markerTempPath(file: string): string {
  return `${file}${DONE_TEMP_SUFFIX}`
}

/** What this project's producer writes into a marker (JSON). */
export const DoneMarkerContentSchema = z.object({
  /** Base name of the file the marker is for. */
  file: z.string().min(1),
  /** Size of the finished file, bytes. */
  bytes: z.number().int().nonnegative(),
  /** SHA-256 of the finished file, 64 lowercase hex digits. */
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  /** When the producer finished, ISO 8601. */
  written_at: z.iso.datetime({ offset: true }),
})
export type DoneMarkerContent = z.infer<typeof DoneMarkerContentSchema>

/**
 * Reads a marker's text: the content of this project's producer, or null for any other
 * content (an empty marker, a timestamp, …), which consumers accept as a plain signal.
 */
export function parseMarkerContent(text: string): DoneMarkerContent | null {
  try {
    const parsed = DoneMarkerContentSchema.safeParse(JSON.parse(text))
    return parsed.success ? parsed.data : null
  } catch {
    return null
  }
}
