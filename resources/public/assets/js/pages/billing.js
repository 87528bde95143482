// The billing page: the chart of certificates per day (uPlot, served from our
// own assets, drawn from the page's table) and the GSTIN's check character
// verified as it is typed (the server checks it again on save).

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ'
const GSTIN = /^[0-9]{2}[A-Z]{5}[0-9]{4}[A-Z][1-9A-Z]Z[0-9A-Z]$/

/** The GSTN's mod-36 check character of the first 14 characters. */
function checkCharacter(first14) {
  let sum = 0
  for (let index = 0; index < 14; index++) {
    const product = ALPHABET.indexOf(first14[index]) * (index % 2 === 0 ? 1 : 2)
    sum += Math.floor(product / 36) + (product % 36)
  }
  return ALPHABET[(36 - (sum % 36)) % 36]
}

export function gstinMessage(value) {
  const gstin = value.trim().toUpperCase()
  if (gstin === '') return { ok: null, text: '' }
  if (gstin.length < 15) return { ok: null, text: `${gstin.length} of 15 characters` }
  if (!GSTIN.test(gstin)) return { ok: false, text: 'A GSTIN has 15 characters, like 27AAPFU0939F1ZV.' }
  const state = Number(gstin.slice(0, 2))
  if (!((state >= 1 && state <= 38) || state === 97 || state === 99)) {
    return { ok: false, text: 'The GSTIN must start with a valid state code (01–38, 97 or 99).' }
  }
  if (checkCharacter(gstin.slice(0, 14)) !== gstin[14]) {
    return { ok: false, text: 'This GSTIN’s check character does not match; check it for typos.' }
  }
  return { ok: true, text: 'Check character matches.' }
}

function watchGstin(root) {
  const input = root.ownerDocument.querySelector('[data-gstin]')
  const status = root.ownerDocument.querySelector('[data-gstin-status]')
  if (!input || !status) return () => {}
  const update = () => {
    const { ok, text } = gstinMessage(input.value)
    status.textContent = text
    status.classList.toggle('ok', ok === true)
    status.classList.toggle('bad', ok === false)
    input.setAttribute('aria-invalid', ok === false ? 'true' : 'false')
  }
  input.addEventListener('input', update)
  if (input.value) update()
  return () => input.removeEventListener('input', update)
}

let uPlotLoading = null
function loadUPlot(document) {
  if (window.uPlot) return Promise.resolve(window.uPlot)
  uPlotLoading ??= new Promise((resolve, reject) => {
    const css = document.createElement('link')
    css.rel = 'stylesheet'
    css.href = '/assets/vendor/uplot.min.css'
    document.head.append(css)
    const script = document.createElement('script')
    script.src = '/assets/vendor/uplot.min.js'
    script.onload = () => resolve(window.uPlot)
    script.onerror = () => reject(new Error('uPlot did not load'))
    document.head.append(script)
  })
  return uPlotLoading
}

function drawChart(root) {
  const target = root.querySelector('[data-usage-chart]')
  const rows = [...root.querySelectorAll('#usage-table tbody tr')]
  if (!target || rows.length === 0) return () => {}
  const days = rows.map((row) => Date.parse(`${row.dataset.day}T00:00:00Z`) / 1000)
  const issued = rows.map((row) => Number(row.dataset.issued))
  const reissued = rows.map((row) => Number(row.dataset.reissued))
  let chart = null
  let observer = null
  let cancelled = false
  loadUPlot(root.ownerDocument).then(
    (uPlot) => {
      if (cancelled) return
      const bars = uPlot.paths.bars({ size: [0.7, 40] })
      // Axis text and grid in the page's own colours (light or dark theme).
      const style = getComputedStyle(root)
      const ink = style.getPropertyValue('--muted').trim() || '#64748b'
      const grid = { stroke: style.getPropertyValue('--line').trim() || '#e2e8f0', width: 1 }
      const axis = { stroke: ink, grid, ticks: grid }
      chart = new uPlot(
        {
          width: target.clientWidth || 600,
          height: 220,
          tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'UTC'),
          scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(4, max)] } },
          axes: [axis, { ...axis, label: 'Certificates' }],
          legend: { live: false },
          series: [
            {},
            { label: 'Issued', stroke: '#4f46e5', fill: 'rgba(79,70,229,0.35)', paths: bars },
            { label: 'Reissued', stroke: '#d97706', fill: 'rgba(217,119,6,0.35)', paths: bars },
          ],
        },
        [days, issued, reissued],
        target
      )
      root.dataset.chartDrawn = ''
      observer = new ResizeObserver(() => chart?.setSize({ width: target.clientWidth, height: 220 }))
      observer.observe(target)
    },
    (error) => console.error(error)
  )
  return () => {
    cancelled = true
    observer?.disconnect()
    chart?.destroy()
  }
}

export function mount(root) {
  const stopChart = drawChart(root)
  const stopGstin = watchGstin(root)
  return () => {
    stopChart()
    stopGstin()
  }
}
