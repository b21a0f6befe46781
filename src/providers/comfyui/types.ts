/**
 * ComfyUI wire shapes used by the client (facts from the ComfyUI source: `server.py`, `execution.py`). Only the
 * fields the client reads are typed; servers add more, and every reader tolerates extra keys.
 */

/** One node of an API-format workflow: `{ class_type, inputs, _meta? }` (ComfyUI's "Save (API)" format). */
export interface ApiNode {
  class_type: string
  /** Widget values, or links `["<node id>", <output index>]`. */
  inputs: Record<string, unknown>
  _meta?: { title?: string }
}

/** An API-format workflow: node id (a string) → node. UI-format files are not accepted. */
export type ApiWorkflow = Record<string, ApiNode>

/** A file a node wrote, as listed in `/history` outputs and fetched with `/view`. */
export interface FileRef {
  filename: string
  /** Folder below the type's root; `''` for none. */
  subfolder: string
  /** `output` (SaveImage, SaveVideo), `temp` (PreviewImage) or `input`. */
  type: string
  /** VideoHelperSuite's `gifs` entries name the container, e.g. `video/h264-mp4`. */
  format?: string
}

/**
 * One node's UI output in a history entry (ComfyUI `execution.py`, `PromptQueue.task_done`): `images` (SaveImage, PreviewImage,
 * and core video nodes with `animated: [true]`), `gifs` (VideoHelperSuite), `audio`, `text`.
 */
export interface NodeUiOutput {
  images?: FileRef[]
  gifs?: FileRef[]
  animated?: boolean[]
  [key: string]: unknown
}

/** `[event name, data]` pairs of a history entry's `status.messages`. */
export type HistoryMessage = [string, Record<string, unknown>]

/** A `GET /history/{id}` entry (ComfyUI `execution.py`, `PromptQueue.task_done`). */
export interface HistoryEntry {
  outputs: Record<string, NodeUiOutput>
  status?: {
    status_str?: 'success' | 'error' | string
    completed?: boolean
    messages?: HistoryMessage[]
  }
}

/** What `POST /prompt` answered with HTTP 200. */
export interface SubmitResult {
  promptId: string
  /** Queue position number, when the server sent one. */
  number: number | undefined
  /**
   * Validation errors of outputs that were dropped while the rest was queued (ComfyUI `server.py`
   * `post_prompt`: a 200 can carry a non-empty `node_errors`). Empty when everything validated.
   */
  nodeErrors: Record<string, NodeError>
}

/** One entry of `node_errors` (ComfyUI `execution.py` `validate_prompt` / `validate_inputs`). */
export interface NodeError {
  class_type?: string
  errors?: {
    type?: string
    message?: string
    details?: string
    extra_info?: { input_name?: string; [key: string]: unknown }
  }[]
  /** Output node ids that cannot run because of this node. */
  dependent_outputs?: string[]
}

/** Prompt ids in `GET /queue` (items are `[number, prompt_id, prompt, extra_data, outputs]`). */
export interface QueueSnapshot {
  running: string[]
  pending: string[]
}

/** `POST /upload/image` answer: use `name` and `subfolder`, the server may have renamed the file. */
export interface UploadResult {
  name: string
  subfolder: string
  type: string
}

/** One device of `GET /system_stats` (memory in **bytes**; with `--cpu`, `type: "cpu"`). */
export interface SystemStatsDevice {
  name?: string
  type?: string
  index?: number | null
  vram_total?: number
  vram_free?: number
  torch_vram_total?: number
  torch_vram_free?: number
}

/** `GET /system_stats` (ComfyUI `server.py`). */
export interface SystemStats {
  system?: { comfyui_version?: string; os?: string; [key: string]: unknown }
  devices?: SystemStatsDevice[]
}
