import { describe, expect, it } from 'vitest'
import { looksLikeMp4, looksLikeWebm, parseFfmpegInfo } from '../../../src/media/video/probe.js'

/** What Debian's ffmpeg 5.1 prints for `ffmpeg -i clip.mp4 -map 0:v:0 -c copy -f null -`. */
const FFMPEG_5_STDERR = `Input #0, mov,mp4,m4a,3gp,3g2,mj2, from 't.mp4':
  Metadata:
    major_brand     : isom
  Duration: 00:00:01.50, start: 0.000000, bitrate: 104 kb/s
  Stream #0:0[0x1](und): Video: h264 (High) (avc1 / 0x31637661), yuv420p(progressive), 96x64 [SAR 1:1 DAR 3:2], 17 kb/s, 12 fps, 12 tbr, 12288 tbn (default)
  Stream #0:1[0x2](und): Audio: aac (LC) (mp4a / 0x6134706D), 44100 Hz, mono, fltp, 70 kb/s (default)
Output #0, null, to 'pipe:':
  Stream #0:0(und): Video: h264 (High) (avc1 / 0x31637661), yuv420p(progressive), 96x64, q=2-31, 12 fps (default)
frame=    1 fps=0.0 q=-1.0 size=N/A time=-00:00:00.16 bitrate=N/A speed=N/A    \rframe=   18 fps=0.0 q=-1.0 Lsize=N/A time=00:00:01.41 bitrate=N/A speed=1.25e+04x
`

describe('parseFfmpegInfo', () => {
  it('reads codec, pixel format, size, frame rate, frames, durations and audio', () => {
    expect(parseFfmpegInfo(FFMPEG_5_STDERR)).toEqual({
      container: 'mov,mp4,m4a,3gp,3g2,mj2',
      codec: 'h264',
      pixelFormat: 'yuv420p',
      width: 96,
      height: 64,
      fps: 12,
      frames: 18,
      durationS: 1.5,
      containerDurationS: 1.5,
      audio: { codec: 'aac', durationS: null },
      via: 'ffmpeg',
    })
  })

  it('returns undefined without a video stream', () => {
    expect(
      parseFfmpegInfo("Input #0, wav, from 'a.wav':\n  Stream #0:0: Audio: pcm_s16le"),
    ).toBeUndefined()
  })
})

describe('container signatures', () => {
  it('recognises MP4 (ftyp at offset 4) and WebM (EBML) and nothing else', () => {
    const mp4 = Buffer.from('000000206674797069736f6d0000020069736f6d', 'hex')
    const webm = Buffer.from('1a45dfa39f4286810142f7810142f2', 'hex')
    const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex')
    expect([looksLikeMp4(mp4), looksLikeWebm(mp4)]).toEqual([true, false])
    expect([looksLikeMp4(webm), looksLikeWebm(webm)]).toEqual([false, true])
    expect([looksLikeMp4(png), looksLikeWebm(png)]).toEqual([false, false])
  })
})
