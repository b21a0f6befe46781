/**
 * File-system handoff with done markers, for runners that share ComfyUI's output folder: the
 * producer marks a finished file with `<file>.done` (written as `.done.tmp`, then renamed), the
 * consumer waits for the marker with a deadline and copies the file, or makes a forced copy
 * recorded as a telemetry warning when the marker never comes.
 */
export {
  DONE_SUFFIX,
  DONE_TEMP_SUFFIX,
  DoneMarkerContentSchema,
  markerPath,
  markerTempPath,
  parseMarkerContent,
  type DoneMarkerContent,
} from './marker.js'
export { writeDoneMarker } from './producer.js'
export {
  DEFAULT_POLL_INTERVAL_MS,
  waitForPath,
  type WaitForPathOptions,
  type WaitResult,
} from './wait.js'
export {
  receiveHandoff,
  toDoneMarker,
  type HandoffResult,
  type ReceiveHandoffOptions,
} from './consumer.js'
