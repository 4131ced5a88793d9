// Session warnings (issue 16): the timeout warning before the idle sign-out, and unsent note
// drafts kept in this tab's sessionStorage over a sign-out (docs/workflows/signing-in.md).
// Pages work without it: the server signs an idle session out whatever the page does.

const PREFIX = 'desist-draft:'
const body = document.body
const user = body.dataset.desistUser

function storage () {
  try {
    return window.sessionStorage
  } catch (e) {
    return null // storage switched off: no drafts, nothing else changes
  }
}

function draftKeys (store) {
  const keys = []
  for (let i = 0; i < store.length; i++) {
    const key = store.key(i)
    if (key && key.startsWith(PREFIX)) keys.push(key)
  }
  return keys
}

function readDraft (store, key) {
  try {
    return JSON.parse(store.getItem(key))
  } catch (e) {
    return null
  }
}

// A deliberate sign-out forgets every draft (the response's Clear-Site-Data does the same).
function clearOnSignOut (store) {
  document.querySelectorAll('form[data-desist-sign-out]').forEach(function (form) {
    form.addEventListener('submit', function () {
      draftKeys(store).forEach(function (key) { store.removeItem(key) })
    })
  })
}

// --- drafts of note forms ------------------------------------------------------------------

// Only the text areas the form's class allows (data-desist-draft), never any other field.
function draftFields (form) {
  return form.dataset.desistDraft.split(/\s+/)
    .map(function (name) { return form.elements.namedItem(name) })
    .filter(function (el) { return el instanceof HTMLTextAreaElement })
}

// The record version the writer read goes with the draft, so restoring it over a newer save
// still meets the server's "someone else changed this record" check. Versions, not content.
const VERSION_FIELDS = ['base_revision', 'version']

function versionFields (form) {
  return VERSION_FIELDS.map(function (name) { return form.elements.namedItem(name) })
    .filter(function (el) { return el instanceof HTMLInputElement && el.type === 'hidden' })
}

function saveDraft (store, form, key, submitted) {
  const values = {}
  const versions = {}
  versionFields(form).forEach(function (el) { versions[el.name] = el.value })
  let anything = false
  draftFields(form).forEach(function (el) {
    values[el.name] = el.value
    if (el.value.trim()) anything = true
  })
  if (!anything) {
    store.removeItem(key)
    return
  }
  const draft = { savedAt: Date.now(), path: window.location.pathname, submitted, values, versions }
  store.setItem(key, JSON.stringify(draft))
}

// After a submit: a page that shows no errors and either confirms success or is elsewhere
// (the form redirected) means the note was saved. The sign-in page (no user) proves nothing.
function settleSubmitted (store) {
  const errors = document.querySelector('.govuk-error-summary')
  const success = document.querySelector('.govuk-notification-banner--success')
  draftKeys(store).forEach(function (key) {
    if (!key.startsWith(PREFIX + user + ':')) {
      store.removeItem(key) // someone else signed in on this tab: never theirs to see
      return
    }
    const draft = readDraft(store, key)
    if (!draft || !draft.submitted) return
    if (!errors && (success || draft.path !== window.location.pathname)) {
      store.removeItem(key)
    } else {
      draft.submitted = false
      store.setItem(key, JSON.stringify(draft))
    }
  })
}

function savedAtText (savedAt) {
  const when = new Date(savedAt)
  const time = when.toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit' })
  if (when.toDateString() === new Date().toDateString()) return time + ' today'
  return time + ' on ' + when.toLocaleDateString('en-GB', { day: 'numeric', month: 'long' })
}

function element (tag, className, text) {
  const el = document.createElement(tag)
  if (className) el.className = className
  if (text) el.textContent = text
  return el
}

function offerDraft (store, form, key, index) {
  const draft = readDraft(store, key)
  if (!draft || !draft.values) return
  const fields = draftFields(form)
  if (fields.every(function (el) { return (draft.values[el.name] || '') === el.value })) return

  const titleId = 'desist-draft-title-' + index
  const banner = element('div', 'govuk-notification-banner')
  banner.setAttribute('role', 'region')
  banner.setAttribute('aria-labelledby', titleId)
  const header = element('div', 'govuk-notification-banner__header')
  const title = element('h2', 'govuk-notification-banner__title', 'Important')
  title.id = titleId
  header.appendChild(title)
  const content = element('div', 'govuk-notification-banner__content')
  content.appendChild(element('p', 'govuk-notification-banner__heading',
    'You have an unsent draft from ' + savedAtText(draft.savedAt) + '.'))
  content.appendChild(element('p', 'govuk-body',
    'It was kept in this browser tab when you were signed out. Restore it to carry on writing.'))
  const buttons = element('div', 'govuk-button-group')
  const restore = element('button', 'govuk-button', 'Restore it')
  const discard = element('button', 'govuk-button govuk-button--secondary', 'Discard it')
  restore.type = discard.type = 'button'
  buttons.append(restore, discard)
  content.appendChild(buttons)
  banner.append(header, content)
  form.before(banner)

  function done () {
    banner.remove()
    if (fields[0]) fields[0].focus()
  }
  restore.addEventListener('click', function () {
    fields.forEach(function (el) {
      if (el.name in draft.values) el.value = draft.values[el.name]
    })
    versionFields(form).forEach(function (el) {
      if (draft.versions && el.name in draft.versions) el.value = draft.versions[el.name]
    })
    done()
  })
  discard.addEventListener('click', function () {
    store.removeItem(key)
    done()
  })
}

function keepDrafts (store) {
  settleSubmitted(store)
  document.querySelectorAll('form[data-desist-draft]').forEach(function (form, index) {
    const key = PREFIX + user + ':' + window.location.pathname + '#' + index
    offerDraft(store, form, key, index)
    form.addEventListener('input', function () { saveDraft(store, form, key, false) })
    form.addEventListener('submit', function () { saveDraft(store, form, key, true) })
  })
}

// --- the timeout warning -------------------------------------------------------------------

function duration (seconds) {
  if (seconds > 60) return Math.ceil(seconds / 60) + ' minutes'
  if (seconds === 60) return '1 minute'
  return seconds === 1 ? '1 second' : seconds + ' seconds'
}

// What a screen reader is told: on opening, then only at one minute and at 20 seconds, so the
// countdown never talks over the person every second.
function spokenStep (seconds) {
  if (seconds <= 20) return 20
  if (seconds <= 60) return 60
  return Math.ceil(seconds / 60) * 60
}

function warnBeforeSignOut () {
  const dialog = document.getElementById('desist-timeout-dialog')
  const idle = Number(body.dataset.desistIdleSeconds)
  const warning = Number(body.dataset.desistWarningSeconds)
  if (!dialog || !(idle > 0) || typeof dialog.showModal !== 'function') return
  const countdown = dialog.querySelector('[data-desist-countdown]')
  const message = document.getElementById('desist-timeout-message')
  const stay = dialog.querySelector('[data-desist-stay]')
  const token = dialog.querySelector('input[name=csrfmiddlewaretoken]').value
  // Other tabs of this browser: a page load or "stay signed in" there moves our deadline too.
  const channel = 'BroadcastChannel' in window ? new BroadcastChannel('desist-session') : null
  let deadline = Date.now() + idle * 1000
  let spoken = null
  let returnFocus = null
  let leaving = false

  let extending = false

  function close () {
    if (dialog.open) dialog.close()
  }

  function moveDeadline (to) {
    deadline = Math.max(deadline, to)
    if (deadline - Date.now() > warning * 1000) close()
  }

  function signedOut () {
    if (leaving) return
    leaving = true
    // The server has ended the session by now; loading the page again takes the person to
    // the sign-in page with the reason, and back here after signing in.
    window.location.assign(window.location.pathname + window.location.search)
  }

  function tell (left) {
    const step = spokenStep(left)
    if (step === spoken) return
    spoken = step
    message.textContent = 'For your security, we will sign you out in ' + duration(left) + '.'
  }

  // The page behind a modal dialog is inert; Tab also wraps inside it, not out to the browser.
  function trapTab (event) {
    if (event.key !== 'Tab') return
    const buttons = Array.from(dialog.querySelectorAll('button'))
    const first = buttons[0]
    const last = buttons[buttons.length - 1]
    if (event.shiftKey && document.activeElement === first) {
      event.preventDefault()
      last.focus()
    } else if (!event.shiftKey && document.activeElement === last) {
      event.preventDefault()
      first.focus()
    }
  }

  function open (left) {
    returnFocus = document.activeElement
    tell(left)
    dialog.showModal()
    stay.focus()
  }

  function stayedSignedIn () {
    extending = true
    fetch(body.dataset.desistKeepaliveUrl, {
      method: 'POST',
      headers: { 'X-CSRFToken': token, Accept: 'application/json' },
      credentials: 'same-origin',
      redirect: 'manual' // a signed-out session answers with a redirect to sign in
    }).then(function (response) {
      if (!response.ok) throw new Error('signed out')
      return response.json()
    }).then(function (answer) {
      const to = Date.now() + answer.idle_seconds * 1000
      moveDeadline(to)
      if (channel) channel.postMessage({ deadline: to })
      close()
      extending = false
    }).catch(signedOut)
  }

  // Wall-clock checks, not one long timer: timers stall in background tabs and asleep laptops.
  function tick () {
    const left = Math.ceil((deadline - Date.now()) / 1000)
    if (left <= 0) {
      signedOut()
      return
    }
    if (left > warning || extending) return
    if (!dialog.open) open(left)
    countdown.textContent = duration(left)
    tell(left)
  }

  stay.addEventListener('click', stayedSignedIn)
  dialog.addEventListener('keydown', trapTab)
  dialog.addEventListener('cancel', stayedSignedIn) // Escape means "stay signed in"
  dialog.addEventListener('close', function () {
    spoken = null
    if (returnFocus && document.contains(returnFocus)) returnFocus.focus()
  })
  if (channel) {
    channel.addEventListener('message', function (event) {
      if (event.data && typeof event.data.deadline === 'number') moveDeadline(event.data.deadline)
    })
    channel.postMessage({ deadline })
  }
  window.setInterval(tick, 1000)
}

const store = storage()
if (store) clearOnSignOut(store)
if (user) {
  if (store) keepDrafts(store)
  warnBeforeSignOut()
}
