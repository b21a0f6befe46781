import { describe, expect, it } from 'vitest'
import { ReportViewSchema, type ReportView } from '../../../src/output/web/report-schema.js'
import { relativeUrl } from '../../../src/output/web/html.js'
import { renderPlayerPage, type PlayerPageModel } from '../../../src/output/web/player-page.js'

const EVIL = '<img src=x onerror=alert(1)>'
const SCRIPT = '</script><script>alert(2)</script>'

function report(): ReportView {
  const image = (index: number, status: 'ok' | 'failed') => ({
    index,
    file: status === 'ok' ? `images/generated-image-${index}.png` : null,
    status,
    requested_model: EVIL,
    model: EVIL,
    fallback_from: null,
    preview: true,
    provider: 'preview',
    server: null,
    tools: [],
    request_id: null,
    url: null,
    seed: index,
    quality_score: status === 'ok' ? 0.5 : null,
    quality_note: status === 'ok' ? null : 'not measured: the image was not generated',
    file_size_bytes: status === 'ok' ? 1000 : null,
    width: status === 'ok' ? 64 : null,
    height: status === 'ok' ? 64 : null,
    resolution: status === 'ok' ? '64x64' : null,
    timings: { queue_wait_ms: 1, generation_ms: 2, download_ms: 3, total_ms: 6 },
    attempts: 1,
    retried_errors: [],
    error: status === 'ok' ? null : { code: 'GEN_001', message: SCRIPT },
    quality: null,
    candidates: [],
    regeneration: null,
  })
  return ReportViewSchema.parse({
    schema_version: 1,
    generator: { name: 'kamui-media-actions', version: '0.0.0' },
    preview: true,
    notices: [EVIL],
    request: {
      prompt: SCRIPT,
      image_count: 2,
      models: [EVIL],
      auto_selected: false,
      strategy: 'parallel',
      max_parallel: 2,
      quality_threshold: 0.7,
      width: 64,
      height: 64,
      base_seed: 1,
      branch_name: '',
    },
    generation_summary: {
      total_images: 2,
      successful_generations: 1,
      failed_generations: 1,
      total_time_ms: 10,
      average_time_per_image_ms: 6,
      primary_image_index: 0,
      primary_image_number: 1,
      primary_selection: EVIL,
      cancelled: false,
    },
    images: [image(1, 'ok'), image(2, 'failed')],
    model_comparison: {
      models_tested: [EVIL],
      best_quality_model: EVIL,
      fastest_model: null,
      most_consistent_model: null,
      notes: [EVIL],
      models: [],
    },
    warnings: [{ code: 'GEN_001', message: EVIL }],
  })
}

function model(): PlayerPageModel {
  const media = (name: string) => ({
    url: relativeUrl(name),
    label: name,
    type: 'video/mp4',
    preview: true,
    model: EVIL,
  })
  return {
    concept: `${EVIL}\n${SCRIPT}`,
    folderName: EVIL,
    executionTime: SCRIPT,
    createdAt: '2025-01-01T00:00:00.000Z',
    generator: { name: 'kamui-media-actions', version: '0.0.0' },
    images: [
      {
        number: 1,
        url: relativeUrl('images/a "b".png'),
        thumb: { url: relativeUrl('web/thumbs/a "b".webp'), width: 64, height: 64 },
        model: EVIL,
        score: 0.5,
        scoreNote: null,
        timings: { queue_wait_ms: 1, generation_ms: 2, download_ms: 3, total_ms: 6 },
        resolution: '64x64',
        primary: true,
        preview: true,
      },
    ],
    galleryNote: EVIL,
    clips: [media('javascript:alert(3).mp4')],
    final: media(`${EVIL}.mp4`),
    music: { ...media('m.wav'), type: 'audio/wav' },
    pointCloud: {
      config: {
        title: SCRIPT,
        ply: relativeUrl('p.ply'),
        data: { url: 'web/pointcloud-data.js', key: EVIL },
        background: '#1a1a1a',
        cameraPosition: [0, 0, 100],
        autoRotate: false,
        pointSize: 1,
        animationSpeed: 1,
      },
      points: 10,
      shown: 10,
      stride: 1,
      preview: true,
      heuristic: true,
      model: EVIL,
    },
    report: report(),
    reportUrl: 'metadata/generation-report.json',
    viewerScript: 'web/assets/kamui-viewer.js',
  }
}

describe('renderPlayerPage', () => {
  const html = renderPlayerPage(model())

  it('escapes every text: no tag or script from the inputs survives', () => {
    expect(html).not.toContain('<img src=x')
    expect(html).not.toContain('<script>alert')
    expect(html).not.toContain('onerror=alert(1)>')
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;')
    // The only script elements are the page's own: viewer config and the classic viewer script
    // (no module script and no import map: the page works opened from file://).
    expect(html.match(/<script\b[^>]*>/g)).toEqual([
      '<script type="application/json" id="pointcloud-config">',
      '<script src="web/assets/kamui-viewer.js">',
    ])
  })

  it('uses only relative URLs, so the page works from any folder and on Pages', () => {
    // data:, is the empty favicon (it keeps the browser from asking for /favicon.ico).
    const urls = [...html.matchAll(/\b(?:src|href)="([^"]*)"/g)].map((m) => m[1] as string)
    expect(urls.length).toBeGreaterThan(5)
    for (const url of urls.filter((u) => u !== 'data:,')) {
      expect(url).not.toMatch(/^(\/|[a-z][a-z0-9+.-]*:)/i)
      expect(url.split('/')).not.toContain('..')
    }
    expect(urls).toContain('javascript%3Aalert(3).mp4')
    expect(html).not.toMatch(/type="(module|importmap)"/)
  })

  it('marks the primary image and preview output, and tables the report', () => {
    expect(html).toMatch(/data-primary="true"[^>]*>[\s\S]*PRIMARY/)
    expect(html).toContain('id="preview-banner"')
    expect(html).toContain('The images, videos, music, point cloud marked PREVIEW')
    expect(html.match(/<tr data-image-number=/g)).toHaveLength(2)
  })

  it('shows the thumbnail lazily, links the full image and labels heuristic depth', () => {
    expect(html).toMatch(
      /<a href="images\/a%20%22b%22\.png"[^>]*>\s*<img\s+src="web\/thumbs\/a%20%22b%22\.webp"\s+width="64" height="64"\s+loading="lazy"/,
    )
    expect(html).toContain('id="heuristic-banner"')
    expect(html).toMatch(/class="badge badge-heuristic">HEURISTIC</)
  })
})

describe('the report section', () => {
  it('reads a report without prompt_preparation and shows a translated prompt when there is one', () => {
    const plain = renderPlayerPage(model())
    expect(plain).not.toContain('Prompt sent to the model')
    const translated = model()
    translated.report = ReportViewSchema.parse({
      ...translated.report,
      prompt_preparation: { original: SCRIPT, sent_to_model: 'Roses in <b>morning</b> light' },
    })
    const html = renderPlayerPage(translated)
    expect(html).toMatch(
      /Prompt sent to the model<\/th>\s*<td>Roses in &lt;b&gt;morning&lt;\/b&gt; light<\/td>/,
    )
  })
})
