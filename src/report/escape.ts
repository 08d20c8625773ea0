/**
 * HTML escaping for text and attribute values: every string from data (prompts, responses, subset
 * and attribute names, file names) goes through here before it reaches the report.
 *
 * @example
 *   escapeHtml('<script>alert("x")</script>')   // '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;'
 */
const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }

export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => ENTITIES[c])
}
