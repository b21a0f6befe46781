import { markdownCell } from '../../core/markdown.js'
import type { KeyframeRecord } from './keyframes-file.js'
import type { KeyframesResult } from './run.js'
import { jobCountsSentence } from '../../runner/journal.js'
import { costLine } from '../../output/reports/cost-line.js'

function frameCell(frame: KeyframeRecord): string {
  if (frame.path === null) return `${frame.status}: ${frame.error?.code ?? ''}`
  if (frame.inherited) return `inherited from segment ${frame.inheritedFrom?.segment ?? '?'}`
  const cached = frame.cache.render === 'hit' ? ' (cache)' : ''
  return `${frame.reused ? 'kept' : 'generated'}${cached}`
}

/** The job summary of a keyframes run: one row per segment, cache, costs and warnings. */
export function keyframesSummaryMarkdown(result: KeyframesResult): string {
  const k = result.keyframes
  const usd = `$${k.costs.totalUsd.toFixed(4)}${k.costs.complete ? '' : ` (+ ${k.costs.unknownPriceCalls} call(s) of unknown price)`}`
  return [
    `### Keyframes${k.preview ? ' (PREVIEW output, not model output)' : ''}`,
    '',
    `${k.summary.completeSegments} of ${k.summary.segments} segments complete: ${k.summary.frames} frames ` +
      `(${k.summary.generatedFrames} generated, ${k.summary.inheritedFrames} inherited) in ${(k.timings.totalMs / 1000).toFixed(1)} s; ` +
      `cache ${k.cache.hits} hit(s), ${k.cache.misses} miss(es); cost ${usd}.`,
    '',
    ...(result.jobs ? [jobCountsSentence(result.jobs), ''] : []),
    costLine(k.cost),
    '',
    '| segment | first frame | last frame | status |',
    '| --- | --- | --- | --- |',
    ...k.segments.map(
      (s) =>
        `| ${s.index} ${markdownCell(s.label)} | ${markdownCell(frameCell(s.firstFrame))} | ${markdownCell(frameCell(s.lastFrame))} | ${s.status} |`,
    ),
    '',
    ...k.notices.map((n) => `> ${markdownCell(n)}`),
    ...result.warnings.map((w) => `> **${w.code}**: ${markdownCell(w.message)}`),
    '',
  ].join('\n')
}
