// Edit a preset in its row, at the version the row showed. When someone else saved first the
// server answers VERSION_CONFLICT: the editor says so and offers to reload the row (drop
// these edits) or keep editing (keep them, now against the newest version).
import { useEffect, useRef, useState } from "preact/hooks";
import { otherProblems, request, type Problem } from "../api";
import { PresetRowDocument, UpdatePresetDocument, type TablePresetFragment } from "../gql/graphql";
import { FieldError, Problems } from "../ui";

type Preset = TablePresetFragment;
const FIELDS = ["name", "toolNumber", "pocket"];

/** A whole number, null for an empty box, or the problem to show beside the box. */
function wholeNumber(text: string, field: string): number | null | Problem {
  if (text.trim() === "") return null;
  const value = Number(text);
  return Number.isInteger(value) ? value : { message: "Enter a whole number.", code: "VALIDATION", field };
}

interface Draft {
  name: string;
  toolNumber: string;
  pocket: string;
}

/** Saving at a version, and the two ways out of a conflict. */
function useVersionedSave(preset: Preset, done: (row: Preset) => void) {
  const [version, setVersion] = useState(preset.version);
  const [problems, setProblems] = useState<Problem[]>([]);
  const [conflict, setConflict] = useState(false);

  const save = async (draft: Draft): Promise<void> => {
    const numbers = [wholeNumber(draft.toolNumber, "toolNumber"), wholeNumber(draft.pocket, "pocket")];
    const wrong = numbers.filter((n): n is Problem => typeof n === "object" && n !== null);
    if (wrong.length > 0) return setProblems(wrong);
    const [toolNumber, pocket] = numbers as (number | null)[];
    const input = { id: preset.id, expectedVersion: version, name: draft.name, toolNumber, pocket };
    const result = await request(UpdatePresetDocument, { input });
    if (result.data === null) return setProblems(result.problems);
    const { errors, results } = result.data.updateToolPresets;
    setConflict(errors.some((e) => e.code === "VERSION_CONFLICT"));
    setProblems(errors.map((e) => ({ message: e.message, code: e.code, field: e.field ?? null })));
    if (errors.length === 0 && results[0]) done(results[0]);
  };
  const latest = async (): Promise<Preset | null> => {
    const result = await request(PresetRowDocument, { id: preset.id });
    if (result.data === null) setProblems(result.problems);
    return result.data?.toolPreset ?? null;
  };
  const reload = async (): Promise<void> => {
    const row = await latest();
    if (row !== null) done(row);
  };
  const keepEditing = async (): Promise<void> => {
    const row = await latest();
    if (row === null) return;
    setVersion(row.version); // the next save is made against what is stored now
    setConflict(false);
    setProblems([]);
  };
  return { problems, conflict, save, reload, keepEditing };
}

export function PresetEditor(props: { preset: Preset; onClose: () => void; onSaved: (preset: Preset) => void }) {
  const [draft, setDraft] = useState<Draft>({
    name: props.preset.name,
    toolNumber: String(props.preset.toolNumber ?? ""),
    pocket: String(props.preset.pocket ?? ""),
  });
  const done = (row: Preset): void => {
    props.onSaved(row);
    props.onClose();
  };
  const { problems, conflict, save, reload, keepEditing } = useVersionedSave(props.preset, done);
  const first = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (!conflict) first.current?.focus(); // on opening, and back from a conflict
  }, [conflict]);

  const input = (field: keyof Draft, label: string, size?: number) => (
    <label>
      {label}{" "}
      <input
        ref={field === "name" ? first : undefined}
        name={field}
        size={size}
        value={draft[field]}
        onInput={(e) => setDraft({ ...draft, [field]: e.currentTarget.value })}
      />
      <FieldError name={field} problems={problems} />
    </label>
  );
  const shown = conflict ? problems.filter((p) => p.code !== "VERSION_CONFLICT") : problems;
  return (
    <tr class="editing" data-id={props.preset.id}>
      <td colSpan={7}>
        <form
          class="inline"
          onSubmit={(e) => {
            e.preventDefault();
            void save(draft);
          }}
          onKeyDown={(e) => e.key === "Escape" && props.onClose()}
          aria-label={`Edit preset ${props.preset.name}`}
        >
          {input("toolNumber", "T", 4)}
          {input("pocket", "Pocket", 4)}
          {input("name", "Name")}
          <button type="submit">Save</button>
          <button type="button" onClick={props.onClose}>
            Cancel
          </button>
          <Problems problems={otherProblems(shown, FIELDS)} />
          {conflict && <Conflict onReload={() => void reload()} onKeep={() => void keepEditing()} />}
        </form>
      </td>
    </tr>
  );
}

/** The choice a conflict leaves, focused so that a keyboard user lands on it. */
function Conflict(props: { onReload: () => void; onKeep: () => void }) {
  const reload = useRef<HTMLButtonElement>(null);
  useEffect(() => reload.current?.focus(), []);
  return (
    <div class="conflict" role="alert">
      Someone else changed this preset since you opened it.{" "}
      <button type="button" ref={reload} onClick={props.onReload}>
        Reload the row
      </button>{" "}
      <button type="button" onClick={props.onKeep}>
        Keep my edits
      </button>
    </div>
  );
}
