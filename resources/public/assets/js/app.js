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
