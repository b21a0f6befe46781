/**
 * HTML built from templates with every interpolated text escaped by construction.
 *
 * `markup` is a tagged template: each `${value}` is escaped with {@link escapeHtml} unless it is
 * {@link SafeHtml} (the result of another `markup` template, or of {@link jsonForScript}).
 * Arrays are joined, `null`, `undefined` and `false` render as nothing. Escaping covers text
 * and quoted attribute values alike (`&`, `<`, `>`, `"`, `'`), so a prompt such as
 * `<img src=x onerror=alert(1)>` shows as text wherever it lands.
 */

/** Markup that is already safe: made by {@link markup} or {@link jsonForScript}, never from user text. */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value
  }
}

/** A value `markup` accepts in a `${}` slot. */
export type HtmlValue = SafeHtml | string | number | boolean | null | undefined | HtmlValue[]

const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
}

/** Escapes text for HTML text content and quoted attribute values (`& < > " '`). */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c] as string)
}

/** Renders one slot value (see the module comment). */
function render(value: HtmlValue): string {
  if (value instanceof SafeHtml) return value.value
  if (Array.isArray(value)) return value.map(render).join('')
  if (value === null || value === undefined || value === false) return ''
  return escapeHtml(String(value))
}

/** The tagged template: `markup\`<p>${userText}</p>\`` (see the module comment). */
export function markup(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  let out = strings[0] ?? ''
  values.forEach((value, i) => {
    out += render(value) + (strings[i + 1] ?? '')
  })
  return new SafeHtml(out)
}

/**
 * JSON for a `<script type="application/json">` or `<script type="importmap">` element:
 * `JSON.stringify(value)` with `<`, `>`, `&`, U+2028 and U+2029 written as `\u` escapes, so
 * that no `</script>` or `<!--` can end or change the script element, whatever the strings
 * hold. `JSON.parse` of the element's text gives `value` back unchanged.
 */
export function jsonForScript(value: unknown): SafeHtml {
  const text = JSON.stringify(value).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  )
  return new SafeHtml(text)
}

/**
 * A relative URL for `src` / `href` from a relative file path with forward slashes: each
 * segment percent-encoded (`videos/clip #1.mp4` → `videos/clip%20%231.mp4`), so names with
 * spaces, `#` or `?` still resolve. The result still needs {@link escapeHtml} (the `markup`
 * template does that) when placed in an attribute.
 */
export function relativeUrl(relativePath: string): string {
  return relativePath
    .split('/')
    .map((segment) => encodeURIComponent(segment))
    .join('/')
}
