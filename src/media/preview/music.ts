import { createHash } from 'node:crypto'

/** A rendered preview music track. */
export interface PreviewMusic {
  /** A 16-bit PCM mono WAV file. */
  wav: Buffer
  /** Length in seconds. */
  durationS: number
  /** Sample rate in Hz. */
  sampleRate: number
}

/** Root notes (Hz) a concept can pick from: A2 … G3. */
const ROOTS = [110, 123.47, 130.81, 146.83, 164.81, 174.61, 196]
/** Chord progressions as semitone offsets of the root (I–V–vi–IV and relatives). */
const PROGRESSIONS = [
  [0, 7, 9, 5],
  [0, 5, 7, 5],
  [9, 5, 0, 7],
  [0, 3, 8, 10],
]

/**
 * A deterministic PREVIEW music track for offline runs: a four-chord progression of soft sine
 * triads with a slow attack and release, chosen from a hash of `concept`. It is synthesized
 * tones, not the output of a music model, and is labelled as preview wherever it is used.
 *
 * @param concept seeds the root note and the progression
 * @param durationS length in seconds (1–600)
 * @param sampleRate Hz (default 22050)
 */
export function renderPreviewMusic(
  concept: string,
  durationS: number,
  sampleRate = 22_050,
): PreviewMusic {
  if (!(durationS >= 1 && durationS <= 600))
    throw new RangeError(`durationS must be 1–600, got ${durationS}`)
  const hash = createHash('sha256').update(concept).digest()
  const root = ROOTS[(hash[0] as number) % ROOTS.length] as number
  const progression = PROGRESSIONS[(hash[1] as number) % PROGRESSIONS.length] as number[]
  const samples = Math.round(durationS * sampleRate)
  const chordSeconds = 2
  const pcm = Buffer.alloc(samples * 2)
  for (let i = 0; i < samples; i++) {
    const t = i / sampleRate
    const chord = Math.floor(t / chordSeconds)
    const inChord = t - chord * chordSeconds
    const offset = progression[chord % progression.length] as number
    const base = root * 2 ** (offset / 12)
    // Major or minor third by the hash, perfect fifth, an octave above the root.
    const third = (hash[2] as number) % 2 === 0 ? 4 : 3
    const envelope = Math.min(1, inChord / 0.3) * Math.min(1, (chordSeconds - inChord) / 0.3)
    const fade = Math.min(1, t / 0.5, (durationS - t) / 0.5)
    let value = 0
    for (const semitones of [0, third, 7, 12])
      value += Math.sin(2 * Math.PI * base * 2 ** (semitones / 12) * t)
    const sample = Math.max(-1, Math.min(1, (value / 4) * 0.5 * envelope * fade))
    pcm.writeInt16LE(Math.round(sample * 32767), i * 2)
  }
  const info = infoChunk({ ISFT: PREVIEW_MUSIC_SOFTWARE, ICMT: PREVIEW_MUSIC_COMMENT })
  const header = wavHeader(pcm.length, sampleRate, info.length)
  // RIFF order: "fmt ", then the LIST/INFO chunk, then "data".
  const wav = Buffer.concat([header.subarray(0, 36), info, header.subarray(36), pcm])
  return { wav, durationS, sampleRate }
}

/** `ISFT` (software) of the preview track's RIFF INFO chunk: how readers recognise it. */
export const PREVIEW_MUSIC_SOFTWARE = 'kamui-media-actions preview renderer'

/** `ICMT` (comment) of the preview track's RIFF INFO chunk. */
export const PREVIEW_MUSIC_COMMENT = 'PREVIEW: synthesized tones, not the output of a music model'

/** A RIFF `LIST`/`INFO` chunk with NUL-terminated ASCII fields, each padded to an even size. */
function infoChunk(fields: Record<string, string>): Buffer {
  const parts = Object.entries(fields).map(([id, text]) => {
    const value = Buffer.from(`${text}\0`, 'ascii')
    const head = Buffer.alloc(8)
    head.write(id, 0, 'ascii')
    head.writeUInt32LE(value.length, 4)
    return Buffer.concat([head, value, Buffer.alloc(value.length % 2)])
  })
  const body = Buffer.concat([Buffer.from('INFO', 'ascii'), ...parts])
  const head = Buffer.alloc(8)
  head.write('LIST', 0, 'ascii')
  head.writeUInt32LE(body.length, 4)
  return Buffer.concat([head, body])
}

/** The 44-byte RIFF/WAVE header of 16-bit PCM mono data of `dataBytes` bytes (`extraBytes` of chunks go between "fmt " and "data"). */
function wavHeader(dataBytes: number, sampleRate: number, extraBytes = 0): Buffer {
  const header = Buffer.alloc(44)
  header.write('RIFF', 0, 'ascii')
  header.writeUInt32LE(36 + extraBytes + dataBytes, 4)
  header.write('WAVE', 8, 'ascii')
  header.write('fmt ', 12, 'ascii')
  header.writeUInt32LE(16, 16)
  header.writeUInt16LE(1, 20)
  header.writeUInt16LE(1, 22)
  header.writeUInt32LE(sampleRate, 24)
  header.writeUInt32LE(sampleRate * 2, 28)
  header.writeUInt16LE(2, 32)
  header.writeUInt16LE(16, 34)
  header.write('data', 36, 'ascii')
  header.writeUInt32LE(dataBytes, 40)
  return header
}
