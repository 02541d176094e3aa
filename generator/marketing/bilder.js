// The member's own images on the kit's page: the generic image (shared by every kit) with
// the parts that name the member and carry their QR code (one small PNG of stacked
// rectangles) drawn onto it, offered as the PNG to download. Plain script, nothing leaves
// the browser: the parts come from the kit's own folder.
function load(src) {
  return new Promise((resolve, reject) => {
    const image = new Image();
    image.onload = () => resolve(image);
    image.onerror = () => reject(new Error(src));
    image.src = src;
  });
}

async function assemble(link) {
  const [generic, parts] = await Promise.all([load(link.getAttribute("href")), load(link.dataset.teile)]);
  const canvas = document.createElement("canvas");
  canvas.width = Number(link.dataset.breite);
  canvas.height = Number(link.dataset.hoehe);
  const context = canvas.getContext("2d");
  context.drawImage(generic, 0, 0);
  for (const [left, top, width, height, row] of JSON.parse(link.dataset.stuecke)) {
    context.drawImage(parts, 0, row, width, height, left, top, width, height);
  }
  const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/png"));
  link.href = URL.createObjectURL(blob);
  link.hidden = false;
  link.dataset.fertig = "ja";
}

for (const link of document.querySelectorAll("a.eigenes-bild")) {
  assemble(link).catch((error) => {
    link.replaceWith(document.createTextNode("Bild nicht geladen: " + error.message));
  });
}
