/**
 * The models the suite runs on the runner's CPU through transformers.js (issue 17), each pinned
 * to a Hugging Face Hub commit.
 *
 * A file's `sha256` and `bytes` are the pinned values where they are known (taken from
 * published pins of the same files); a file with `sha256: null` (small JSON configs, the CLIP
 * text encoder, the MiniLM tokenizer) is verified against the sha256 recorded in the cache's
 * `manifest.json` when it was first downloaded from the pinned revision (trust on first use).
 * `npm run check:models` prints every file's sha256 so that the nulls can be pinned.
 */

/** One file of a model repository on the Hub. */
export interface CpuModelFile {
  /** Path inside the repository, `/`-separated (`onnx/model.onnx`). */
  path: string
  /** Lower-case hex sha256 of the file, or null when not pinned (see the module comment). */
  sha256: string | null
  /** Size in bytes, or null when not pinned. */
  bytes: number | null
}

/** What a CPU model is used for (the transformers.js classes that load it). */
export type CpuModelTask = 'depth-estimation' | 'clip' | 'feature-extraction'

/** A model run on the CPU, pinned to a revision. */
export interface CpuModel {
  /** The name users write (`depth-model: depth-anything-v2-small`). */
  key: string
  /** Hub repository id (`owner/name`). */
  id: string
  /** The Hub commit (40 hex digits) every file is downloaded from. */
  revision: string
  /** SPDX licence of the weights. */
  license: string
  task: CpuModelTask
  /** transformers.js `dtype` (selects the ONNX file: '' fp32, `_uint8`, `_quantized`). */
  dtype: 'fp32' | 'uint8' | 'q8'
  files: readonly CpuModelFile[]
  /**
   * Set when the entry does not come from this file but from a user's CPU model catalog
   * (`KAMUI_CPU_MODEL_CATALOG`, see `user-catalog.ts`); absent for the built-in pins.
   */
  catalog?: CpuModelCatalogSource
}

/** Where a replacing CPU model entry came from, for logs, labels and telemetry. */
export interface CpuModelCatalogSource {
  /** The catalog file as the user named it (workspace-relative or absolute inside the workspace). */
  file: string
  /** The built-in entry it replaces: Hub id and revision. */
  replaces: { id: string; revision: string }
}

/**
 * Depth Anything V2 Small (Apache-2.0; the Base and Large variants are CC-BY-NC and not used),
 * the ONNX export of onnx-community, fp32 weights (99 MB).
 */
export const DEPTH_ANYTHING_V2_SMALL: CpuModel = {
  key: 'depth-anything-v2-small',
  id: 'onnx-community/depth-anything-v2-small',
  revision: '4472b7362082ad9968fee890ca0f1e5aca36b93d',
  license: 'Apache-2.0',
  task: 'depth-estimation',
  dtype: 'fp32',
  files: [
    { path: 'config.json', sha256: null, bytes: null },
    { path: 'preprocessor_config.json', sha256: null, bytes: null },
    {
      path: 'onnx/model.onnx',
      sha256: 'afb6a5c28f3b6bf1618c6e43f02073ef9dfdc70e937502d51603e57b0a1df10c',
      bytes: 99_060_839,
    },
  ],
}

/** OpenAI CLIP ViT-B/32 (MIT), the transformers.js export of Xenova, uint8 weights. */
export const CLIP_VIT_B32: CpuModel = {
  key: 'clip-vit-base-patch32',
  id: 'Xenova/clip-vit-base-patch32',
  revision: 'd15189d7028b43f1d3e65039190477f6af591c2a',
  license: 'MIT',
  task: 'clip',
  dtype: 'uint8',
  files: [
    { path: 'config.json', sha256: null, bytes: null },
    { path: 'preprocessor_config.json', sha256: null, bytes: null },
    { path: 'tokenizer.json', sha256: null, bytes: null },
    { path: 'tokenizer_config.json', sha256: null, bytes: null },
    { path: 'onnx/text_model_uint8.onnx', sha256: null, bytes: null },
    {
      path: 'onnx/vision_model_uint8.onnx',
      sha256: 'b95448754a6ae56964ec80c570c80bb9863787ee85f51b664abed8c0e5f22a7a',
      bytes: 88_648_915,
    },
  ],
}

/**
 * all-MiniLM-L6-v2 (Apache-2.0), the sentence-embedding model of the story figures, quantized
 * (23 MB), at commit 751bff3 of the Xenova repository: the commit that public projects pin for
 * this export (found 2026-12-02 in several independent repositories, one of them with the same
 * 22,972,370-byte ONNX file and sha256 as below; the Hub itself was not reachable from here).
 */
export const MINILM_L6_V2: CpuModel = {
  key: 'all-minilm-l6-v2',
  id: 'Xenova/all-MiniLM-L6-v2',
  revision: '751bff37182d3f1213fa05d7196b954e230abad9',
  license: 'Apache-2.0',
  task: 'feature-extraction',
  dtype: 'q8',
  files: [
    { path: 'config.json', sha256: null, bytes: null },
    { path: 'tokenizer.json', sha256: null, bytes: null },
    { path: 'tokenizer_config.json', sha256: null, bytes: null },
    {
      path: 'onnx/model_quantized.onnx',
      sha256: 'afdb6f1a0e45b715d0bb9b11772f032c399babd23bfc31fed1c170afc848bdb1',
      bytes: 22_972_370,
    },
  ],
}

/** Every CPU model, for `check:models` and the docs. */
export const CPU_MODELS: readonly CpuModel[] = [DEPTH_ANYTHING_V2_SMALL, CLIP_VIT_B32, MINILM_L6_V2]

/**
 * `owner/name@revision` (the first 7 digits of a commit), for logs and reports; an entry of a
 * user's catalog adds where it came from (`owner/name@0123456 from catalog cpu-models.json`),
 * so that it is never taken for the built-in pin.
 */
export function modelLabel(model: Pick<CpuModel, 'id' | 'revision' | 'catalog'>): string {
  const label = `${model.id}@${shortRevision(model.revision)}`
  return model.catalog ? `${label} from catalog ${model.catalog.file}` : label
}

/** The first 7 digits of a 40-hex commit; any other revision (`main`) as it is. */
export function shortRevision(revision: string): string {
  return /^[0-9a-f]{40}$/.test(revision) ? revision.slice(0, 7) : revision
}
