import { useEffect, useId, useState } from 'preact/hooks'
import { errorMessage } from '../../api/api-client.js'
import { useSession } from '../../api/api-context.js'
import type { Settings, SettingsJson } from '../../api-types.js'
import { ErrorMessage, Notice } from '../../components/alerts.js'
import { FormActions } from '../../components/form-actions.js'

/** The form's text for max_key_lifetime_days: empty = no cap. */
function capText(settings: SettingsJson): string {
  return settings.max_key_lifetime_days === null ? '' : String(settings.max_key_lifetime_days)
}

/** The PUT body for the form, or the reason it cannot be sent. */
function settingsBody(
  cap: string,
  allowNever: boolean,
  currency: string,
): { ok: true; body: Settings } | { ok: false; message: string } {
  const code = currency.trim().toUpperCase()
  if (!/^[A-Z]{3}$/.test(code)) {
    return { ok: false, message: 'Enter the currency as a three-letter code such as USD or EUR.' }
  }
  const text = cap.trim()
  if (text === '') {
    return {
      ok: true,
      body: { max_key_lifetime_days: null, allow_never_expiring: allowNever, currency: code },
    }
  }
  const days = Number(text)
  if (!/^\d+$/.test(text) || days < 1 || days > 36_500) {
    return {
      ok: false,
      message: 'Enter a whole number of days from 1 to 36500, or leave it empty.',
    }
  }
  return {
    ok: true,
    body: { max_key_lifetime_days: days, allow_never_expiring: allowNever, currency: code },
  }
}

/** GET/PUT /v2/settings (admins): installation-wide settings: the key lifetime policy and the currency of costs. */
export function SettingsPage() {
  const { api } = useSession()
  const capId = useId()
  const currencyId = useId()
  const [settings, setSettings] = useState<SettingsJson | null>(null)
  const [cap, setCap] = useState('')
  const [allowNever, setAllowNever] = useState(true)
  const [currency, setCurrency] = useState('USD')
  const [error, setError] = useState('')
  const [notice, setNotice] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)

  const show = (s: SettingsJson) => {
    setSettings(s)
    setCap(capText(s))
    setAllowNever(s.allow_never_expiring)
    setCurrency(s.currency)
  }

  useEffect(() => {
    api.get<SettingsJson>('/v2/settings').then(show, (err) => setError(errorMessage(err)))
  }, [api])

  async function save(event: Event) {
    event.preventDefault()
    const checked = settingsBody(cap, allowNever, currency)
    if (!checked.ok) {
      setError(checked.message)
      return
    }
    setBusy(true)
    setError('')
    try {
      show(await api.put<SettingsJson>('/v2/settings', checked.body))
      setNotice('Settings saved. They apply to every new key and expiry change from now on.')
    } catch (err) {
      setError(errorMessage(err))
    } finally {
      setBusy(false)
    }
  }

  const beyond = settings?.report.keys_beyond_lifetime_policy ?? 0
  return (
    <section aria-labelledby="settings-title">
      <div class="page-head">
        <div>
          <p class="breadcrumb">Administration</p>
          <h1 id="settings-title">Settings</h1>
        </div>
      </div>
      {notice !== null && <Notice onDismiss={() => setNotice(null)}>{notice}</Notice>}
      <ErrorMessage>{error}</ErrorMessage>
      {settings !== null && (
        <form class="card" onSubmit={(e) => void save(e)} noValidate>
          <h2>Key lifetime policy</h2>
          <div class="field">
            <label for={capId}>Maximum key lifetime (days)</label>
            <input
              id={capId}
              type="text"
              inputMode="numeric"
              placeholder="No limit"
              value={cap}
              onInput={(e) => setCap(e.currentTarget.value)}
            />
          </div>
          <p class="hint">
            No new key, and no expiry change, may set an expiry further ahead than this. Empty: no
            limit.
          </p>
          <label class="check">
            <input
              type="checkbox"
              checked={allowNever}
              onChange={(e) => setAllowNever(e.currentTarget.checked)}
            />
            Allow keys that never expire
          </label>
          <p class="hint" data-testid="keys-beyond-policy">
            {beyond === 0
              ? 'Every existing key is within this policy.'
              : `${beyond} existing ${beyond === 1 ? 'key is' : 'keys are'} beyond this policy. They keep working until changed or deleted.`}
          </p>
          <h2>Cost</h2>
          <div class="field">
            <label for={currencyId}>Currency</label>
            <input
              id={currencyId}
              type="text"
              maxLength={3}
              value={currency}
              onInput={(e) => setCurrency(e.currentTarget.value)}
            />
          </div>
          <p class="hint">
            What model prices and the Usage page's costs are in (a three-letter code such as USD or
            EUR). Changing it relabels the numbers; it converts nothing.
          </p>
          <FormActions busy={busy} />
        </form>
      )}
    </section>
  )
}
