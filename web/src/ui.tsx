// Small pieces every screen uses: a field with its error beside it, a list of problems.
import type { ComponentChildren } from "preact";
import { problemFor, type Problem } from "./api";

export function Field(props: { label: string; name: string; problems: Problem[]; children: ComponentChildren }) {
  return (
    <label class={problemFor(props.problems, props.name) ? "field invalid" : "field"}>
      <span>{props.label}</span>
      {props.children}
      <FieldError name={props.name} problems={props.problems} />
    </label>
  );
}

/** The message for `name` alone, for inputs laid out without a Field (a row, a fieldset). */
export function FieldError(props: { name: string; problems: Problem[] }) {
  const problem = problemFor(props.problems, props.name);
  return problem ? (
    <em class="error" role="alert" data-field={props.name}>
      {problem.message}
    </em>
  ) : null;
}

export function Problems(props: { problems: Problem[] }) {
  if (props.problems.length === 0) return null;
  return (
    <ul class="problems" role="alert">
      {props.problems.map((p, index) => (
        <li key={index}>{p.message}</li>
      ))}
    </ul>
  );
}

export function Loading() {
  return <p class="muted">Loading…</p>;
}

export function when(value: string | null | undefined): string {
  return value ? new Date(value).toLocaleString() : "";
}
