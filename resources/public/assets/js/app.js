// Small progressive enhancements; every page works without this file.

// Page scripts. A page that needs its own script marks its root element with
// data-page="<name>"; the script is a module under /assets/js/pages/ exporting
// mount(root), which returns what undoes it. Mounting is driven by the element,
// not by a <script> tag in the page: htmx does not run scripts of a boosted
// page (allowScriptTags is off), so a page reached by a link, a form or the
// back button is mounted exactly like one loaded directly, and only once.
const PAGE_SCRIPTS = {
  'designer': '/assets/js/pages/designer.js',
  'billing': '/assets/js/pages/billing.js',
  'razorpay-checkout': '/assets/js/pages/razorpay-checkout.js',
}
const mounted = new WeakMap()

function mountPages(scope) {
  if (!(scope instanceof Element)) return
  const roots = scope.matches('[data-page]') ? [scope] : []
  roots.push(...scope.querySelectorAll('[data-page]'))
  for (const root of roots) {
    const src = PAGE_SCRIPTS[root.dataset.page]
    if (!src || mounted.has(root)) continue
    mounted.set(root, null)
    import(src).then(
      (module) => {
        if (!root.isConnected || mounted.get(root) !== null) return
        mounted.set(root, module.mount(root) ?? (() => {}))
        root.dataset.pageMounted = ''
      },
      (error) => console.error(`The ${root.dataset.page} page script did not load`, error)
    )
  }
}

function unmountPage(root) {
  const unmount = mounted.get(root)
  mounted.set(root, undefined)
  if (typeof unmount === 'function') unmount()
}

if (document.readyState === 'loading') {
  document.addEventListener('DOMContentLoaded', () => mountPages(document.body))
} else mountPages(document.body)
document.addEventListener('htmx:load', (event) => mountPages(event.target))
document.addEventListener('htmx:beforeCleanupElement', (event) => {
  if (event.target instanceof Element && event.target.hasAttribute('data-page')) unmountPage(event.target)
})
document.addEventListener('change', (event) => {
  const target = event.target
  if (target instanceof HTMLSelectElement && target.hasAttribute('data-autosubmit')) {
    target.form?.requestSubmit()
  }
  if (target instanceof HTMLInputElement && target.id) syncEnabledBy(document)
})

// A control marked data-enabled-by="<checkbox id>" is usable only while that box is ticked (the server
// ignores it otherwise too): an option that cannot apply is not offered.
function syncEnabledBy(scope) {
  for (const control of scope.querySelectorAll('[data-enabled-by]')) {
    const by = document.getElementById(control.getAttribute('data-enabled-by'))
    if (!by) continue
    control.disabled = !by.checked
    if (control.disabled && control.type === 'checkbox') control.checked = false
  }
}
if (document.readyState === 'loading') {
  document.addEventListener('DOMContentLoaded', () => syncEnabledBy(document))
} else {
  syncEnabledBy(document)
}
document.addEventListener('htmx:load', (event) => {
  if (event.target instanceof Element) syncEnabledBy(event.target.ownerDocument)
})

document.addEventListener('click', (event) => {
  const button = event.target instanceof Element ? event.target.closest('[data-confirm]') : null
  if (button && !window.confirm(button.getAttribute('data-confirm'))) {
    event.preventDefault()
    event.stopImmediatePropagation()
  }
}, true)

document.addEventListener('click', (event) => {
  const button = event.target instanceof Element ? event.target.closest('[data-copy]') : null
  if (!button) return
  const source = document.getElementById(button.getAttribute('data-copy'))
  if (source && navigator.clipboard) {
    navigator.clipboard.writeText(source.textContent.trim()).then(() => {
      button.textContent = 'Copied'
    })
  }
})

// Upload progress for forms marked data-upload-progress (htmx sends boosted multipart forms by XHR).
document.addEventListener('htmx:xhr:progress', (event) => {
  const form = event.target instanceof Element ? event.target.closest('[data-upload-progress]') : null
  const box = form?.querySelector('.upload-progress')
  if (!box || !event.detail.lengthComputable) return
  const percent = Math.round((event.detail.loaded / event.detail.total) * 100)
  box.hidden = false
  box.querySelector('progress').value = percent
  box.querySelector('.upload-progress-label').textContent = percent < 100 ? `Uploading… ${percent}%` : 'Uploaded. Reading the file…'
})
document.addEventListener('htmx:beforeRequest', (event) => {
  const form = event.target instanceof Element ? event.target.closest('[data-upload-progress]') : null
  form?.querySelector('button[type="submit"]')?.setAttribute('disabled', '')
})
document.addEventListener('htmx:afterRequest', (event) => {
  const form = event.target instanceof Element ? event.target.closest('[data-upload-progress]') : null
  form?.querySelector('button[type="submit"]')?.removeAttribute('disabled')
})

// A boosted navigation replaces the body, and the focus with it: the keyboard would start again at
// the top of the page, behind the top bar and every sidebar link. Unless htmx put it back on a field
// the new page still has, focus moves to the new page's heading (a screen reader announces where the
// user now is, as on a full load), or to the content when the page has none.
document.addEventListener('htmx:afterSettle', (event) => {
  if (!event.detail.boosted || event.detail.target !== document.body) return
  if (document.activeElement && document.activeElement !== document.body) return
  const main = document.getElementById('main')
  const heading = main?.querySelector('h1')
  if (heading) {
    if (!heading.hasAttribute('tabindex')) heading.setAttribute('tabindex', '-1')
    heading.focus({ preventScroll: true })
  } else main?.focus({ preventScroll: true })
})

// On a phone the sidebar is a strip that scrolls sideways: bring the current section into view, or
// the strip opens on its first links and the page the user is on is off to the right.
function showCurrentSection(root) {
  const strip = root.querySelector?.('nav.sidebar')
  const current = strip?.querySelector('a.active')
  if (!current || strip.scrollWidth <= strip.clientWidth) return
  const offset = current.getBoundingClientRect().left - strip.getBoundingClientRect().left
  strip.scrollLeft += offset - (strip.clientWidth - current.offsetWidth) / 2
}
if (document.readyState === 'loading') {
  document.addEventListener('DOMContentLoaded', () => showCurrentSection(document))
} else {
  showCurrentSection(document)
}
document.addEventListener('htmx:load', (event) => showCurrentSection(event.target))

// A wide table scrolls sideways inside its .table-wrap on a narrow screen; a region that scrolls must
// be reachable and named for the keyboard (arrow keys scroll it once it has focus). Wraps that do not
// scroll at this width are left out of the Tab order again. A wrap the page already made a region
// (its own tabindex) is the page's to name.
function labelOf(wrap) {
  const table = wrap.querySelector('table')
  const caption = table?.querySelector('caption')?.textContent.trim()
  if (caption) return caption
  if (table?.getAttribute('aria-label')) return table.getAttribute('aria-label')
  let node = wrap
  while (node && node !== document.body) {
    let sibling = node.previousElementSibling
    while (sibling) {
      const heading = sibling.matches('h1, h2, h3, h4') ? sibling : sibling.querySelector('h1, h2, h3, h4')
      if (heading) return heading.textContent.trim()
      sibling = sibling.previousElementSibling
    }
    node = node.parentElement
  }
  return 'Table'
}
// A table can grow past its wrap after the page is drawn (a web font arriving for a name in Tamil
// or Urdu, text swapped in): each table is watched, and let go once it leaves the page.
const tableResizes =
  typeof ResizeObserver === 'function'
    ? new ResizeObserver((entries) => {
        for (const entry of entries) if (!entry.target.isConnected) tableResizes.unobserve(entry.target)
        reachableTables(document)
      })
    : null
function reachableTables(root) {
  for (const wrap of (root.querySelectorAll ? root : document).querySelectorAll('.table-wrap')) {
    const owned = wrap.hasAttribute('tabindex') && !wrap.hasAttribute('data-scroll-region')
    if (owned) continue
    const table = wrap.querySelector('table')
    if (table) tableResizes?.observe(table)
    const scrolls = wrap.scrollWidth > wrap.clientWidth + 1
    if (scrolls && !wrap.hasAttribute('data-scroll-region')) {
      wrap.setAttribute('data-scroll-region', '')
      wrap.tabIndex = 0
      wrap.setAttribute('role', 'region')
      wrap.setAttribute('aria-label', `${labelOf(wrap)} (scrolls sideways)`)
    } else if (!scrolls && wrap.hasAttribute('data-scroll-region')) {
      for (const name of ['data-scroll-region', 'tabindex', 'role', 'aria-label']) wrap.removeAttribute(name)
    }
  }
}
if (document.readyState === 'loading') {
  document.addEventListener('DOMContentLoaded', () => reachableTables(document))
} else {
  reachableTables(document)
}
document.addEventListener('htmx:load', () => reachableTables(document))
let resizing = 0
window.addEventListener('resize', () => {
  cancelAnimationFrame(resizing)
  resizing = requestAnimationFrame(() => reachableTables(document))
})
