// Screens live in the URL's hash (#/machines/mill-1): a reload or a shared link opens the
// same screen, and the server serves one page at `/` whatever the screen.
import { useEffect, useState } from "preact/hooks";

export function useRoute(): string[] {
  const read = (): string[] =>
    location.hash
      .replace(/^#\/?/, "")
      .split("/")
      .filter((part) => part !== "")
      .map(decodeURIComponent);
  const [route, setRoute] = useState(read);
  useEffect(() => {
    const changed = (): void => setRoute(read());
    window.addEventListener("hashchange", changed);
    return () => window.removeEventListener("hashchange", changed);
  }, []);
  return route;
}

export function href(...parts: string[]): string {
  return "#/" + parts.map(encodeURIComponent).join("/");
}
