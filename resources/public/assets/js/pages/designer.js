// The template field designer: place, move and size fields on the page,
// edit their properties, and ask the server for a real preview. Fields are
// kept in PDF points from the page's top-left corner (the API's units); the
// page picture is only a view of them.
//
// A page module (see app.js): `mount(root)` runs once per appearance of the
// element with data-page="designer", whether the page was loaded, reached by a
// boosted link or restored from history, and returns what undoes it.

const SNAP_PX = 6
const round = (value) => Math.round(value * 2) / 2

export function mount(root) {
  // Listeners outside `root` (window, document) end with the page.
  const lifetime = new AbortController()
  const signal = lifetime.signal
  const data = JSON.parse(root.dataset.designer)
  const csrf = root.dataset.csrf
  const page = data.page
  const stage = root.querySelector('#designer-stage')
  const layer = root.querySelector('#designer-layer')
  const background = root.querySelector('#designer-background')
  const list = root.querySelector('#field-list')
  const empty = root.querySelector('#field-empty')
  const props = root.querySelector('#field-properties')
  const saveForm = root.querySelector('#designer-save')
  const dirtyNote = root.querySelector('#designer-dirty')
  const snapBox = root.querySelector('#designer-snap')
  const removeAll = root.querySelector('#designer-remove-all')
  let fields = data.fields.map((field) => ({ ...field }))
  let selected = fields.length ? 0 : -1
  let dirty = false

  const scale = () => stage.clientWidth / page.width
  const pct = (value, of) => `${(value / of) * 100}%`

  function markDirty() {
    dirty = true
    dirtyNote.hidden = false
  }

  function usedKeys() {
    return new Set(fields.map((field) => field.key))
  }

  function defaultsFor(type, at) {
    const keys = usedKeys()
    const pick = (candidates, fallback) => candidates.find((key) => !keys.has(key)) || uniqueKey(fallback)
    const minSide = Math.min(page.width, page.height)
    let field
    if (type === 'qrcode') {
      const side = round(minSide * 0.18)
      field = { type, key: pick(['verification_url'], 'qr_code'), width: side, height: side, qr_color: '#000000' }
    } else if (type === 'image') {
      const asset = data.assets[0]
      const width = round(page.width * 0.18)
      const height = asset ? round((width * asset.height) / asset.width) : width
      field = { type, key: pick([asset ? asset.type : 'image'], asset ? asset.type : 'image'), width, height, asset_id: asset ? asset.id : null }
    } else if (type === 'date') {
      field = { type, key: pick(['issue_date', 'expiry_date'], 'date'), width: round(page.width * 0.28), height: round(page.height * 0.06), font_size: 14, date_format: data.default_date_format }
    } else {
      field = { type: 'text', key: pick(['recipient_name', 'course_name', 'certificate_number', 'grade'], 'text'), width: round(page.width * 0.5), height: round(page.height * 0.09), font_size: 28 }
    }
    field = {
      label: '',
      font_family: data.default_font,
      font_size: 24,
      min_font_size: 8,
      color: '#111111',
      align: 'center',
      bold: false,
      auto_fit: true,
      date_format: data.default_date_format,
      required: field.key === 'recipient_name',
      asset_id: null,
      qr_color: '#000000',
      ...field,
    }
    field.label = field.label || labelFor(field.key)
    const x = at ? at.x - field.width / 2 : (page.width - field.width) / 2
    const y = at ? at.y - field.height / 2 : (page.height - field.height) / 2
    field.x = round(clamp(x, 0, page.width - field.width))
    field.y = round(clamp(y, 0, page.height - field.height))
    return field
  }

  function uniqueKey(base) {
    const keys = usedKeys()
    if (!keys.has(base)) return base
    let n = 2
    while (keys.has(`${base}_${n}`)) n++
    return `${base}_${n}`
  }

  function labelFor(key) {
    if (data.standard_keys[key]) return data.standard_keys[key]
    const words = String(key || '').replace(/_+/g, ' ').trim()
    return words ? words[0].toUpperCase() + words.slice(1) : 'Field'
  }

  function clamp(value, min, max) {
    return Math.min(Math.max(value, min), Math.max(min, max))
  }

  // ---- drawing -------------------------------------------------------

  function render() {
    layer.replaceChildren()
    list.replaceChildren()
    fields.forEach((field, index) => {
      const box = document.createElement('div')
      box.className = `designer-field designer-field-${field.type}${index === selected ? ' is-selected' : ''}`
      box.tabIndex = 0
      box.dataset.index = String(index)
      box.dataset.key = field.key
      box.setAttribute('role', 'button')
      const shown = field.type === 'qrcode' ? 'QR' : field.type === 'image' ? imageName(field) : field.label
      // The name starts with what the box shows, so "click QR" works for speech users (WCAG 2.5.3).
      const name = shown === field.label ? shown : `${shown}: ${field.label}`
      box.setAttribute('aria-label', `${name} (${field.key}), ${field.x} × ${field.y} pt`)
      position(box, field)
      const label = document.createElement('span')
      label.className = 'designer-field-label'
      label.textContent = shown
      box.append(label)
      if (field.type === 'image') {
        const asset = data.assets.find((a) => a.id === field.asset_id)
        if (asset) {
          const img = document.createElement('img')
          img.src = asset.url
          img.alt = ''
          img.draggable = false
          box.append(img)
        }
      }
      for (const direction of ['nw', 'n', 'ne', 'e', 'se', 's', 'sw', 'w']) {
        const handle = document.createElement('span')
        handle.className = `designer-handle designer-handle-${direction}`
        handle.dataset.handle = direction
        handle.setAttribute('aria-hidden', 'true')
        box.append(handle)
      }
      layer.append(box)

      const item = document.createElement('li')
      const button = document.createElement('button')
      button.type = 'button'
      button.className = `btn-link field-list-item${index === selected ? ' is-selected' : ''}`
      button.dataset.index = String(index)
      button.textContent = `${field.label} — ${field.type}`
      item.append(button)
      list.append(item)
    })
    empty.hidden = fields.length > 0
    // Saving no fields over a version that has some must be ticked (the server checks it too).
    if (removeAll) {
      removeAll.hidden = fields.length > 0
      removeAll.querySelector('input').required = fields.length === 0
    }
    fillProperties()
    renderPreviewInputs()
  }

  function imageName(field) {
    const asset = data.assets.find((a) => a.id === field.asset_id)
    return asset ? asset.name : 'Image'
  }

  function position(box, field) {
    box.style.left = pct(field.x, page.width)
    box.style.top = pct(field.y, page.height)
    box.style.width = pct(field.width, page.width)
    box.style.height = pct(field.height, page.height)
    if (field.type === 'text' || field.type === 'date') {
      box.style.fontSize = `${Math.max(6, field.font_size * scale())}px`
      box.style.textAlign = field.align
      box.style.justifyContent = field.align === 'left' ? 'flex-start' : field.align === 'right' ? 'flex-end' : 'center'
      box.style.color = field.color
      box.style.fontWeight = field.bold ? '700' : '400'
    }
  }

  function boxOf(index) {
    return layer.querySelector(`[data-index="${index}"]`)
  }

  // ---- properties panel ---------------------------------------------

  const inputs = {
    key: props.querySelector('#prop-key'),
    label: props.querySelector('#prop-label'),
    x: props.querySelector('#prop-x'),
    y: props.querySelector('#prop-y'),
    width: props.querySelector('#prop-width'),
    height: props.querySelector('#prop-height'),
    font_family: props.querySelector('#prop-font'),
    font_size: props.querySelector('#prop-size'),
    min_font_size: props.querySelector('#prop-min-size'),
    color: props.querySelector('#prop-color'),
    align: props.querySelector('#prop-align'),
    bold: props.querySelector('#prop-bold'),
    auto_fit: props.querySelector('#prop-auto-fit'),
    date_format: props.querySelector('#prop-date-format'),
    asset_id: props.querySelector('#prop-asset'),
    qr_color: props.querySelector('#prop-qr-color'),
    required: props.querySelector('#prop-required'),
  }

  function fillProperties() {
    const field = fields[selected]
    props.hidden = !field
    if (!field) return
    props.querySelector('#properties-title').textContent = `${labelFor(field.key)} (${field.type === 'qrcode' ? 'QR code' : field.type})`
    for (const [name, input] of Object.entries(inputs)) {
      if (input.type === 'checkbox') input.checked = Boolean(field[name])
      else if (document.activeElement !== input) input.value = field[name] ?? ''
    }
    for (const section of props.querySelectorAll('[data-for]')) {
      section.hidden = !section.dataset.for.split(' ').includes(field.type)
    }
  }

  props.addEventListener('input', (event) => {
    const field = fields[selected]
    const input = event.target
    if (!field || !input.name) return
    const name = input.name
    let value = input.type === 'checkbox' ? input.checked : input.value
    if (['x', 'y', 'width', 'height', 'font_size', 'min_font_size'].includes(name)) {
      value = Number(value)
      if (!Number.isFinite(value)) return
    }
    if (name === 'key') {
      const wasDefaultLabel = field.label === labelFor(field.key)
      field.key = String(value).trim()
      if (wasDefaultLabel) field.label = labelFor(field.key)
    } else field[name] = value
    if (name === 'asset_id') fitToAsset(field)
    markDirty()
    const box = boxOf(selected)
    if (box && ['x', 'y', 'width', 'height', 'font_size', 'align', 'color', 'bold'].includes(name)) position(box, field)
    else render()
  })
  props.addEventListener('submit', (event) => event.preventDefault())
  props.querySelector('#prop-delete').addEventListener('click', () => removeSelected())

  function fitToAsset(field) {
    const asset = data.assets.find((a) => a.id === field.asset_id)
    if (!asset) return
    field.height = round(clamp((field.width * asset.height) / asset.width, 4, page.height - field.y))
  }

  function select(index) {
    selected = index
    render()
    const box = boxOf(index)
    if (box) box.focus({ preventScroll: true })
  }

  function removeSelected() {
    if (selected < 0) return
    fields.splice(selected, 1)
    selected = Math.min(selected, fields.length - 1)
    markDirty()
    render()
  }

  list.addEventListener('click', (event) => {
    const button = event.target.closest('[data-index]')
    if (button) select(Number(button.dataset.index))
  })

  // ---- dragging: move, resize, add from the palette --------------------

  const guides = { v: document.createElement('div'), h: document.createElement('div') }
  guides.v.className = 'designer-guide designer-guide-v'
  guides.h.className = 'designer-guide designer-guide-h'

  function showGuide(axis, at) {
    const guide = guides[axis]
    if (at === null) {
      guide.remove()
      return
    }
    if (axis === 'v') guide.style.left = pct(at, page.width)
    else guide.style.top = pct(at, page.height)
    if (!guide.isConnected) layer.append(guide)
  }

  /** Snaps a moving edge set (start, centre, end) to the page's and other fields' lines. */
  function snap(axis, start, size, ignore) {
    if (!snapBox.checked) return { start, line: null }
    const limit = SNAP_PX / scale()
    const extent = axis === 'v' ? page.width : page.height
    const lines = [0, extent / 2, extent]
    fields.forEach((field, index) => {
      if (index === ignore) return
      const s = axis === 'v' ? field.x : field.y
      const z = axis === 'v' ? field.width : field.height
      lines.push(s, s + z / 2, s + z)
    })
    let best = null
    for (const line of lines) {
      for (const offset of [0, size / 2, size]) {
        const distance = Math.abs(start + offset - line)
        if (distance <= limit && (!best || distance < best.distance)) best = { distance, start: line - offset, line }
      }
    }
    return best ? { start: best.start, line: best.line } : { start, line: null }
  }

  function pagePoint(event) {
    const rect = stage.getBoundingClientRect()
    return { x: (event.clientX - rect.left) / scale(), y: (event.clientY - rect.top) / scale(), inside: event.clientX >= rect.left && event.clientX <= rect.right && event.clientY >= rect.top && event.clientY <= rect.bottom }
  }

  layer.addEventListener('pointerdown', (event) => {
    const box = event.target.closest('.designer-field')
    if (!box) return
    event.preventDefault()
    const index = Number(box.dataset.index)
    if (index !== selected) select(index)
    const field = fields[index]
    const handle = event.target.closest('[data-handle]')
    const origin = pagePoint(event)
    const start = { x: field.x, y: field.y, width: field.width, height: field.height }
    const target = boxOf(index)
    target.setPointerCapture(event.pointerId)
    let moved = false
    const move = (e) => {
      const point = pagePoint(e)
      const dx = point.x - origin.x
      const dy = point.y - origin.y
      if (!moved && Math.abs(dx) * scale() < 2 && Math.abs(dy) * scale() < 2) return
      moved = true
      if (handle) {
        const direction = handle.dataset.handle
        const min = data.limits.minBoxSide
        let left = start.x
        let top = start.y
        let right = start.x + start.width
        let bottom = start.y + start.height
        let vLine = null
        let hLine = null
        if (direction.includes('e')) {
          const snapped = snap('v', clamp(right + dx, left + min, page.width), 0, index)
          right = clamp(snapped.start, left + min, page.width)
          vLine = snapped.line
        }
        if (direction.includes('w')) {
          const snapped = snap('v', clamp(left + dx, 0, right - min), 0, index)
          left = clamp(snapped.start, 0, right - min)
          vLine = snapped.line
        }
        if (direction.includes('s')) {
          const snapped = snap('h', clamp(bottom + dy, top + min, page.height), 0, index)
          bottom = clamp(snapped.start, top + min, page.height)
          hLine = snapped.line
        }
        if (direction.includes('n')) {
          const snapped = snap('h', clamp(top + dy, 0, bottom - min), 0, index)
          top = clamp(snapped.start, 0, bottom - min)
          hLine = snapped.line
        }
        if (field.type === 'qrcode' && !e.shiftKey) {
          // QR codes stay square: the larger change wins, within the page.
          const side = Math.min(Math.max(right - left, bottom - top), direction.includes('w') ? right : page.width - left, direction.includes('n') ? bottom : page.height - top)
          if (direction.includes('w')) left = right - side
          else right = left + side
          if (direction.includes('n')) top = bottom - side
          else bottom = top + side
        }
        field.x = round(left)
        field.y = round(top)
        field.width = round(right - left)
        field.height = round(bottom - top)
        showGuide('v', vLine)
        showGuide('h', hLine)
      } else {
        const x = snap('v', clamp(start.x + dx, 0, page.width - field.width), field.width, index)
        const y = snap('h', clamp(start.y + dy, 0, page.height - field.height), field.height, index)
        field.x = round(clamp(x.start, 0, page.width - field.width))
        field.y = round(clamp(y.start, 0, page.height - field.height))
        showGuide('v', x.line)
        showGuide('h', y.line)
      }
      position(target, field)
      fillProperties()
    }
    const up = () => {
      target.removeEventListener('pointermove', move)
      target.removeEventListener('pointerup', up)
      target.removeEventListener('pointercancel', up)
      showGuide('v', null)
      showGuide('h', null)
      if (moved) {
        markDirty()
        render()
      }
    }
    target.addEventListener('pointermove', move)
    target.addEventListener('pointerup', up)
    target.addEventListener('pointercancel', up)
  })

  // Palette: drag a type onto the page (or click to drop it in the middle).
  root.querySelectorAll('[data-add]').forEach((button) => {
    button.addEventListener('pointerdown', (event) => {
      if (button.disabled) return
      event.preventDefault()
      const type = button.dataset.add
      const ghost = document.createElement('div')
      ghost.className = 'designer-ghost'
      ghost.textContent = button.textContent
      let dragged = false
      const startX = event.clientX
      const startY = event.clientY
      const move = (e) => {
        if (!dragged && Math.hypot(e.clientX - startX, e.clientY - startY) < 4) return
        if (!dragged) document.body.append(ghost)
        dragged = true
        ghost.style.left = `${e.clientX}px`
        ghost.style.top = `${e.clientY}px`
      }
      const up = (e) => {
        document.removeEventListener('pointermove', move)
        document.removeEventListener('pointerup', up)
        ghost.remove()
        const point = pagePoint(e)
        if (dragged && !point.inside) return
        const field = defaultsFor(type, dragged ? point : null)
        fields.push(field)
        markDirty()
        select(fields.length - 1)
      }
      document.addEventListener('pointermove', move)
      document.addEventListener('pointerup', up)
    })
  })

  layer.addEventListener('keydown', (event) => {
    const field = fields[selected]
    if (!field || !event.target.closest('.designer-field')) return
    const step = event.shiftKey ? 10 : 1
    const arrows = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] }
    if (arrows[event.key]) {
      event.preventDefault()
      const [dx, dy] = arrows[event.key]
      if (event.altKey) {
        field.width = round(clamp(field.width + dx, data.limits.minBoxSide, page.width - field.x))
        field.height = round(clamp(field.height + dy, data.limits.minBoxSide, page.height - field.y))
      } else {
        field.x = round(clamp(field.x + dx, 0, page.width - field.width))
        field.y = round(clamp(field.y + dy, 0, page.height - field.height))
      }
      markDirty()
      position(boxOf(selected), field)
      fillProperties()
    } else if (event.key === 'Delete' || event.key === 'Backspace') {
      event.preventDefault()
      removeSelected()
    }
  })

  const resizes = new ResizeObserver(() => fields.forEach((field, index) => boxOf(index) && position(boxOf(index), field)))
  resizes.observe(stage)
  if (!background.complete) background.addEventListener('load', () => render())

  // ---- saving ----------------------------------------------------------

  saveForm.addEventListener('submit', () => {
    root.querySelector('#fields-json').value = JSON.stringify(fields)
    dirty = false
  })
  window.addEventListener('beforeunload', (event) => {
    if (dirty) event.preventDefault()
  }, { signal })
  // A boosted link leaves the page without beforeunload: ask before htmx takes the request.
  document.addEventListener('htmx:confirm', (event) => {
    if (dirty && !window.confirm('Leave the designer? Your unsaved changes will be lost.')) event.preventDefault()
  }, { signal })

  // ---- live preview ----------------------------------------------------

  const previewInputs = root.querySelector('#preview-inputs')
  const previewImage = root.querySelector('#preview-image')
  const previewStatus = root.querySelector('#preview-status')
  const previewWarnings = root.querySelector('#preview-warnings')
  const typed = {}

  function renderPreviewInputs() {
    const keys = [...new Set(fields.filter((f) => f.type === 'text' || f.type === 'date').map((f) => f.key))]
    previewInputs.replaceChildren(
      ...keys.map((key) => {
        const wrap = document.createElement('div')
        wrap.className = 'field'
        const label = document.createElement('label')
        label.className = 'field-label'
        label.htmlFor = `preview-${key}`
        label.textContent = labelFor(key)
        const input = document.createElement('input')
        input.className = 'input'
        input.id = `preview-${key}`
        input.dataset.key = key
        input.type = fields.find((f) => f.key === key).type === 'date' ? 'date' : 'text'
        input.value = typed[key] ?? ''
        input.placeholder = 'Sample value'
        input.addEventListener('input', () => (typed[key] = input.value))
        wrap.append(label, input)
        return wrap
      })
    )
  }
  async function requestPreview(format) {
    previewStatus.textContent = format === 'pdf' ? 'Drawing the PDF…' : 'Drawing…'
    previewWarnings.replaceChildren()
    const response = await fetch(data.preview_url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: format === 'pdf' ? 'application/pdf' : 'image/png', 'x-csrf-token': csrf },
      body: JSON.stringify({ format, fields, row: typed }),
      credentials: 'same-origin',
    })
    if (!response.ok) {
      let message = 'The preview could not be drawn.'
      try {
        const body = await response.json()
        if (body.errors) message = body.errors.map((e) => e.message).join(' ')
      } catch {}
      previewStatus.textContent = ''
      warn(message)
      return null
    }
    const overflow = (response.headers.get('X-Authentix-Overflow') || '').split(',').filter(Boolean)
    for (const key of overflow) warn(`“${labelFor(key)}” is too long for its box even at the smallest size: widen the box or lower the smallest size.`)
    const missing = decodeURIComponent(response.headers.get('X-Authentix-Missing-Glyphs') || '')
    if (missing) warn(`No bundled font can draw: ${missing}`)
    previewStatus.textContent = ''
    return response.blob()
  }

  function warn(text) {
    const p = document.createElement('p')
    p.className = 'alert alert-warn'
    p.textContent = text
    previewWarnings.append(p)
  }

  root.querySelector('#preview-draw').addEventListener('click', async () => {
    const blob = await requestPreview('png')
    if (!blob) return
    if (previewImage.src.startsWith('blob:')) URL.revokeObjectURL(previewImage.src)
    previewImage.src = URL.createObjectURL(blob)
    previewImage.hidden = false
  })

  root.querySelector('#preview-pdf').addEventListener('click', async () => {
    const blob = await requestPreview('pdf')
    if (!blob) return
    const link = document.createElement('a')
    link.href = URL.createObjectURL(blob)
    link.download = 'template-preview.pdf'
    document.body.append(link)
    link.click()
    link.remove()
    setTimeout(() => URL.revokeObjectURL(link.href), 10_000)
  })

  render()
  return () => {
    lifetime.abort()
    resizes.disconnect()
  }
}
