// Copy buttons of the Werbemittel page: the button's data-kopieren names the element
// whose text goes to the clipboard. Plain script, no build step, no MkDocs hook.
document.addEventListener("click", async (event) => {
  const button = event.target.closest("[data-kopieren]");
  if (!button) return;
  const source = document.getElementById(button.dataset.kopieren);
  if (!source) return;
  const label = button.dataset.label || button.textContent;
  button.dataset.label = label;
  try {
    await navigator.clipboard.writeText(source.textContent);
    button.textContent = "Kopiert ✓";
  } catch (error) {
    // Without clipboard access (old browser, http page): select the text for Strg+C.
    const range = document.createRange();
    range.selectNodeContents(source);
    const selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    button.textContent = "Markiert – mit Strg+C kopieren";
  }
  setTimeout(() => { button.textContent = label; }, 2500);
});
