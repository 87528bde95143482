// Small progressive enhancements; every page works without this file.
document.addEventListener('change', (event) => {
  const target = event.target
  if (target instanceof HTMLSelectElement && target.hasAttribute('data-autosubmit')) {
    target.form?.requestSubmit()
  }
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
