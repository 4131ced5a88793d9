// Replaces GOV.UK Frontend's inline snippet, which our Content-Security-Policy forbids.
document.body.className += ' js-enabled' + ('noModule' in HTMLScriptElement.prototype ? ' govuk-frontend-supported' : '');
