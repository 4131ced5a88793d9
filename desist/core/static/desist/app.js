import { initAll } from '/assets/govuk/govuk-frontend.min.js'

initAll()

// Buttons that ask for confirmation before a consequential action (no inline handlers: CSP).
document.querySelectorAll('[data-confirm]').forEach(function (el) {
  el.addEventListener('click', function (event) {
    if (!window.confirm(el.getAttribute('data-confirm'))) event.preventDefault()
  })
})
