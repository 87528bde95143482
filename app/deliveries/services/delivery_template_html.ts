import sanitizeHtml from 'sanitize-html'
import { compile } from 'html-to-text'

/**
 * The HTML body of a delivery email, cleaned by an allow-list when saved and
 * again after the variables are filled in (a value from an import could
 * otherwise put `javascript:` into a link).
 *
 * Kept: headings, paragraphs, line breaks, emphasis, lists, block quotes,
 * tables, `div`/`span`, and links to `https:` or `mailto:` (or a link whose
 * whole address is one variable, `{verification_url}`, which the second
 * pass checks once filled; that pass also lets `http:` through, which our
 * own links are on a development APP_URL). Inline `style` is kept for a few typographic
 * and box properties email clients honour, with no `url(…)` or
 * `expression(…)` possible in a value. Dropped: scripts and styles with their
 * content, event handlers and every other attribute, forms, iframes, and
 * images: a remote image is a tracking pixel and loads from a third party in
 * the preview; the org's logo will come as an attachment we control.
 */

const SAFE_STYLE_VALUE = /^[#\w\s.,%()-]+$/
const NO_FUNCTIONS = /^(?!.*(url|expression|var)\s*\().*$/i
const styleRule = [SAFE_STYLE_VALUE, NO_FUNCTIONS]

const STYLE_PROPERTIES = [
  'color',
  'background-color',
  'text-align',
  'font-weight',
  'font-style',
  'font-size',
  'font-family',
  'line-height',
  'text-decoration',
  'padding',
  'padding-top',
  'padding-bottom',
  'padding-left',
  'padding-right',
  'margin',
  'margin-top',
  'margin-bottom',
  'border',
  'border-collapse',
  'width',
  'max-width',
]

const LINK_ADDRESS = /^(https:\/\/|mailto:)|^\{[^{}]+\}$/i
/** Once filled, our own links may be http: on a development APP_URL. */
const FILLED_LINK_ADDRESS = /^(https?:\/\/|mailto:)/i

const optionsFor = (linkAddress: RegExp, schemes: string[]): sanitizeHtml.IOptions => ({
  allowedTags: [
    'h1',
    'h2',
    'h3',
    'h4',
    'p',
    'br',
    'hr',
    'strong',
    'b',
    'em',
    'i',
    'u',
    's',
    'small',
    'blockquote',
    'ul',
    'ol',
    'li',
    'a',
    'table',
    'thead',
    'tbody',
    'tfoot',
    'tr',
    'th',
    'td',
    'caption',
    'div',
    'span',
  ],
  allowedAttributes: {
    '*': ['style'],
    'a': ['href', 'title'],
    'td': ['colspan', 'rowspan', 'align'],
    'th': ['colspan', 'rowspan', 'align'],
  },
  allowedStyles: { '*': Object.fromEntries(STYLE_PROPERTIES.map((name) => [name, styleRule])) },
  allowedSchemes: schemes,
  allowedSchemesAppliedToAttributes: ['href'],
  allowProtocolRelative: false,
  disallowedTagsMode: 'discard',
  transformTags: {
    // Only absolute https/mailto addresses or one whole variable: a relative
    // link means nothing in a mailbox.
    a: (tagName, attribs) => {
      const { href, ...kept }: sanitizeHtml.Attributes = attribs
      if (href && linkAddress.test(href.trim())) kept.href = href.trim()
      return { tagName, attribs: kept }
    },
  },
})

const AS_WRITTEN = optionsFor(LINK_ADDRESS, ['https', 'mailto'])
const AS_FILLED = optionsFor(FILLED_LINK_ADDRESS, ['http', 'https', 'mailto'])

/** A body as the org wrote it (`filled`: once its variables hold a recipient's values). */
export function sanitizeEmailHtml(html: string, options: { filled?: boolean } = {}) {
  return sanitizeHtml(html, options.filled ? AS_FILLED : AS_WRITTEN)
}

/**
 * html-to-text's converter for our options, compiled once: `convert` compiles its selectors on
 * every call, ~6 % of the queue worker's CPU while it sent 5,000 emails (the deliver bench).
 */
const toPlainText = compile({
  wordwrap: 78,
  selectors: [
    { selector: 'a', options: { hideLinkHrefIfSameAsText: true } },
    { selector: 'h1', options: { uppercase: false } },
    { selector: 'h2', options: { uppercase: false } },
    { selector: 'h3', options: { uppercase: false } },
    { selector: 'table', format: 'dataTable' },
  ],
})

/** The plain-text part generated from a rendered HTML body. */
export function plainTextOf(html: string) {
  return toPlainText(html).trim()
}
