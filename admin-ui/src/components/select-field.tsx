import type { SelectHTMLAttributes } from 'preact'
import { useId } from 'preact/hooks'

interface SelectFieldProps
  extends Omit<SelectHTMLAttributes<HTMLSelectElement>, 'label' | 'class'> {
  label: string
  class?: string
}

/**
 * A labelled <select>. The label is tied by `for` rather than wrapped around the select, so the accessible name is
 * the label alone (a wrapped select adds its chosen option to the name).
 */
export function SelectField({
  label,
  class: className = 'field',
  children,
  ...select
}: SelectFieldProps) {
  const id = useId()
  return (
    <div class={className}>
      <label for={id}>{label}</label>
      <select id={id} {...select}>
        {children}
      </select>
    </div>
  )
}
