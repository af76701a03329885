// Edit a preset in its row, at the version the row showed. When someone else saved first the
// server answers VERSION_CONFLICT: the editor says so and offers to reload the row (drop
// these edits) or keep editing (keep them, now against the newest version).
import { useEffect, useRef, useState } from "preact/hooks";
import { otherProblems, request, type Problem } from "../api";
import { PresetRowDocument, UpdatePresetDocument, type TablePresetFragment } from "../gql/graphql";
import { FieldError, Problems } from "../ui";

const FIELDS = ["name", "toolNumber", "pocket"];

/** A whole number, null for an empty box, or the problem to show beside the box. */
function wholeNumber(text: string, field: string): number | null | Problem {
  if (text.trim() === "") return null;
  const value = Number(text);
  return Number.isInteger(value) ? value : { message: "Enter a whole number.", code: "VALIDATION", field };
}

export function PresetEditor(props: {
  preset: TablePresetFragment;
  onClose: () => void;
  onSaved: (preset: TablePresetFragment) => void;
}) {
  const [name, setName] = useState(props.preset.name);
  const [toolNumber, setToolNumber] = useState(String(props.preset.toolNumber ?? ""));
  const [pocket, setPocket] = useState(String(props.preset.pocket ?? ""));
  const [version, setVersion] = useState(props.preset.version);
  const [problems, setProblems] = useState<Problem[]>([]);
  const [conflict, setConflict] = useState(false);
  const first = useRef<HTMLInputElement>(null);
  useEffect(() => first.current?.focus(), []);

  const save = async (event: Event): Promise<void> => {
    event.preventDefault();
    const numbers = [wholeNumber(toolNumber, "toolNumber"), wholeNumber(pocket, "pocket")];
    const wrong = numbers.filter((n): n is Problem => typeof n === "object" && n !== null);
    if (wrong.length > 0) return setProblems(wrong);
    const [number, place] = numbers as (number | null)[];
    const input = { id: props.preset.id, expectedVersion: version, name, toolNumber: number, pocket: place };
    const result = await request(UpdatePresetDocument, { input });
    if (result.data === null) return setProblems(result.problems);
    const outcome = result.data.updateToolPresets;
    const errors = outcome.errors.map((e) => ({ message: e.message, code: e.code, field: e.field ?? null }));
    setConflict(errors.some((e) => e.code === "VERSION_CONFLICT"));
    setProblems(errors);
    const saved = outcome.results[0];
    if (errors.length === 0 && saved) {
      props.onSaved(saved);
      props.onClose();
    }
  };

  const latest = async (): Promise<TablePresetFragment | null> => {
    const result = await request(PresetRowDocument, { id: props.preset.id });
    if (result.data === null) setProblems(result.problems);
    return result.data?.toolPreset ?? null;
  };
  const reload = async (): Promise<void> => {
    const row = await latest();
    if (row === null) return;
    props.onSaved(row);
    props.onClose();
  };
  const keepEditing = async (): Promise<void> => {
    const row = await latest();
    if (row === null) return;
    setVersion(row.version); // the next save is made against what is stored now
    setConflict(false);
    setProblems([]);
    first.current?.focus();
  };

  const shown = conflict ? problems.filter((p) => p.code !== "VERSION_CONFLICT") : problems;
  return (
    <tr class="editing" data-id={props.preset.id}>
      <td colSpan={7}>
        <form
          class="inline"
          onSubmit={(e) => void save(e)}
          onKeyDown={(e) => e.key === "Escape" && props.onClose()}
          aria-label={`Edit preset ${props.preset.name}`}
        >
          <label>
            T <input name="toolNumber" inputMode="numeric" size={4} value={toolNumber} onInput={(e) => setToolNumber(e.currentTarget.value)} />
            <FieldError name="toolNumber" problems={problems} />
          </label>
          <label>
            Pocket <input name="pocket" inputMode="numeric" size={4} value={pocket} onInput={(e) => setPocket(e.currentTarget.value)} />
            <FieldError name="pocket" problems={problems} />
          </label>
          <label>
            Name <input ref={first} name="name" value={name} onInput={(e) => setName(e.currentTarget.value)} />
            <FieldError name="name" problems={problems} />
          </label>
          <button type="submit">Save</button>
          <button type="button" onClick={props.onClose}>
            Cancel
          </button>
          <Problems problems={otherProblems(shown, FIELDS)} />
          {conflict && (
            <div class="conflict" role="alert">
              Someone else changed this preset since you opened it.{" "}
              <button type="button" onClick={() => void reload()}>
                Reload the row
              </button>{" "}
              <button type="button" onClick={() => void keepEditing()}>
                Keep my edits
              </button>
            </div>
          )}
        </form>
      </td>
    </tr>
  );
}
