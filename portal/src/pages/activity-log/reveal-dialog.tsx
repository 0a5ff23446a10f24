/**
 * Table settings → Show private activities…: says that the action is audited, asks for the
 * justification and the acknowledgement, and only on OK starts showing private activities. Whether
 * they may be shown is decided by the server on each request; this dialog only collects what the
 * API wants with them.
 */
import { useState } from 'react'
import { Banner } from '../../ui/banner.js'
import { CheckboxField, TextAreaField } from '../../ui/fields.js'
import { Dialog, DialogButtons } from '../../ui/dialog.js'

/** The API's bounds of a justification (docs: 10 to 2000 characters). */
const MIN_JUSTIFICATION = 10
const MAX_JUSTIFICATION = 2000

export interface RevealDialogProps {
  /** How long the reveal lasts (the server's setting). */
  readonly seconds: number
  readonly onCancel: () => void
  readonly onConfirm: (justification: string) => void
}

export function RevealDialog({ seconds, onCancel, onConfirm }: RevealDialogProps) {
  const [justification, setJustification] = useState('')
  const [acknowledged, setAcknowledged] = useState(false)
  const text = justification.trim()
  const tooShort = text.length > 0 && text.length < MIN_JUSTIFICATION
  const ready = acknowledged && text.length >= MIN_JUSTIFICATION

  return (
    <Dialog
      title="Show private activities"
      onClose={onCancel}
      footer={<DialogButtons onCancel={onCancel} action="OK" disabled={!ready} onAction={() => onConfirm(text)} />}
    >
      <Banner tone="warning">
        <strong>This action is audited.</strong> Private activities are those of members of privacy groups. While they are shown, every
        page of activities you load is recorded in the governance log — your account, your address, the query, how many private activities
        were shown and which, and the justification below — before anything private is sent to you.
      </Banner>
      <TextAreaField
        label="Justification"
        value={justification}
        onChange={setJustification}
        required
        rows={3}
        maxLength={MAX_JUSTIFICATION}
        autoFocus
        hint={`Why you need to see private activities, e.g. a case number (${MIN_JUSTIFICATION} to ${MAX_JUSTIFICATION} characters).`}
        error={tooShort ? `At least ${MIN_JUSTIFICATION} characters.` : null}
      />
      <p className="muted">
        Private activities stay shown for {Math.round(seconds / 60)} minutes, until you stop showing them, or until you sign out.
      </p>
      <CheckboxField label="I understand that showing private activities is recorded in the governance log." checked={acknowledged} onChange={setAcknowledged} />
    </Dialog>
  )
}
