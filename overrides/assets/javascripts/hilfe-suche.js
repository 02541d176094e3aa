/*
 * Search worker of the help site: replaces the engine inside Material's search worker and
 * keeps its protocol (SETUP -> READY, QUERY -> RESULT) and its user interface.
 *
 * Why not Material's lunr index: it does not stem German by default, and with lunr's German
 * stemmer on, search-as-you-type gets worse (the index holds stems with folded umlauts, while
 * prefix queries are not stemmed). Members type inflected forms, compounds, "ue" for "ü", and
 * typos. This engine analyses every word the same way on both sides:
 *
 *   lower case -> "ae/oe/ue" read as "ä/ö/ü", "ß" as "ss" -> accents dropped (the plain
 *   form) -> German Snowball stem (the key)
 *
 * and matches each query word as an exact stem, as a prefix (the word being typed), with one
 * typo (Damerau-Levenshtein, words of five letters or more) and as a compound of two indexed
 * words ("Kündigungsfrist" -> "Kündigung" + "Frist"; a section with one part scores half). Scores are BM25 over title, keywords
 * (front matter `keywords:`), tags and text, multiplied by the page's `search.boost`
 * (archived newsletters get less) and by the share of query words matched.
 *
 * The index comes compact from `rundbrief build` (generator/site/searchindex.py: plain forms
 * with their documents, in config.rundbrief) or, after a plain MkDocs build, as Material's
 * full index, tokenised here with the keywords from search/keywords.json.
 *
 * The Snowball stemmer and the German stop words come from the lunr-languages files that
 * Material already ships; a small stand-in for lunr lets them load without lunr itself.
 */
"use strict"

/* global importScripts */

const SETUP = 0
const READY = 1
const QUERY = 2
const RESULT = 3

// The same weights as generator/site/searchindex.py, for a full index.
const WEIGHTS = { pageTitle: 10, sectionTitle: 5, keywords: 8, tags: 4, text: 1 }
const MATCH = { exact: 1, prefix: 0.8, compound: 0.6, typo: 0.5 }
const K1 = 1.2
const B = 0.75
const MAX_EXPANSIONS = [0, 16, 32, 64] // words a prefix of 1, 2, 3+ letters may stand for
const MAX_RESULTS = 50

/* ----- German analysis ------------------------------------------------------------------ */

self.lunr = {
  Pipeline: { registerFunction() {} },
  generateStopWordFilter(words) {
    const set = new Set(words)
    const filter = token => (set.has(token) ? undefined : token)
    filter.words = set
    return filter
  }
}
importScripts(
  "lunr/min/lunr.stemmer.support.min.js",
  "lunr/min/lunr.de.min.js"
)
const stem = self.lunr.de.stemmer
const STOP_WORDS = self.lunr.de.stopWordFilter.words

/** A word as written, as the search compares it: lower case, "ae/oe/ue" read as "ä/ö/ü",
 *  "ß" as "ss", no accents. The build's compact index (searchindex.py) folds the same way. */
function plain(word) {
  return word
    .toLowerCase()
    .replace(/ß/g, "ss")
    .replace(/ae/g, "ä")
    .replace(/oe/g, "ö")
    .replace(/ue/g, "ü")
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
}

const analysed = new Map()

/** The index key of a word: its plain form, stemmed. Cached: words repeat a lot. */
function analyse(word) {
  let key = analysed.get(word)
  if (key === undefined) {
    key = stem(plain(word))
    analysed.set(word, key)
  }
  return key
}

const WORD = /[\p{L}\p{N}]+/gu

function words(text) {
  return text.match(WORD) || []
}

function stripTags(html) {
  return html.replace(/<[^>]*>/g, " ").replace(/&[a-z]+;|&#\d+;/gi, " ")
}

/* ----- Index ---------------------------------------------------------------------------- */

class Index {
  /** From the compact index that `rundbrief build` writes: words, their documents, lengths.
   *  Nothing is stemmed or decoded here: a key's documents are gathered when a query needs
   *  them, so the index is ready right after the page has loaded. */
  static compact(docs, data) {
    const index = new Index(docs)
    index.lengths = Float64Array.from(data.lengths)
    index.packed = data.words // plain word -> "gap,count,gap,count…" in base 36
    return index.finish(Object.keys(data.words).sort())
  }

  /** From Material's full index (a plain MkDocs build): every section's text, tokenised here. */
  static full(docs, keywords) {
    const index = new Index(docs)
    const forms = new Set()
    docs.forEach((doc, number) => {
      const isPage = !doc.location.includes("#")
      const fields = [
        [doc.title, isPage ? WEIGHTS.pageTitle : WEIGHTS.sectionTitle],
        [stripTags(doc.text || ""), WEIGHTS.text],
        [(doc.tags || []).join(" "), WEIGHTS.tags]
      ]
      if (isPage && keywords[doc.location])
        fields.push([keywords[doc.location].join(" "), WEIGHTS.keywords])
      let length = 0
      for (const [text, weight] of fields)
        for (const word of words(text)) {
          length += 1
          if (STOP_WORDS.has(word.toLowerCase())) continue
          const form = plain(word)
          forms.add(form)
          const key = analyse(form)
          let posting = index.postings.get(key)
          if (!posting) index.postings.set(key, (posting = new Map()))
          posting.set(number, (posting.get(number) || 0) + weight)
        }
      index.lengths[number] = length
    })
    return index.finish([...forms].sort())
  }

  constructor(docs) {
    this.docs = docs
    this.postings = new Map() // key -> Map(doc number -> weighted term frequency)
    this.packed = null
    this.lengths = new Float64Array(docs.length)
  }

  /** ``surface``: every word as written (plain, unstemmed), sorted; prefixes and typos are
   *  found on these, so "Auszahlu" and "Auszahlng" both reach the key "auszahl". */
  finish(surface) {
    this.average = this.lengths.reduce((a, b) => a + b, 0) / Math.max(1, this.docs.length)
    this.surface = surface
    this.byLength = new Map()
    for (const form of surface) {
      const list = this.byLength.get(form.length) || []
      list.push(form)
      this.byLength.set(form.length, list)
    }
    return this
  }

  /** The sorted words that start with ``prefix`` (binary search, then a run). */
  range(prefix) {
    let low = 0
    let high = this.surface.length
    while (low < high) {
      const middle = (low + high) >> 1
      if (this.surface[middle] < prefix) low = middle + 1
      else high = middle
    }
    const found = []
    for (let i = low; i < this.surface.length && this.surface[i].startsWith(prefix); i++)
      found.push(this.surface[i])
    return found
  }

  has(key) {
    return this.posting(key).size > 0
  }

  /** Documents holding ``key``: doc number -> weighted term frequency. */
  posting(key) {
    let posting = this.postings.get(key)
    if (posting) return posting
    posting = new Map()
    if (this.packed && key)
      // German Snowball only cuts endings, so every word with this key starts with it.
      for (const form of this.range(key)) {
        if (analyse(form) !== key) continue
        const pairs = this.packed[form].split(",")
        let number = 0
        for (let i = 0; i < pairs.length; i += 2) {
          number += parseInt(pairs[i], 36)
          posting.set(number, (posting.get(number) || 0) + parseInt(pairs[i + 1], 36))
        }
      }
    this.postings.set(key, posting)
    return posting
  }

  /** BM25 of one key in every document holding it. */
  scores(key) {
    const posting = this.posting(key)
    const n = this.docs.length
    const idf = Math.log(1 + (n - posting.size + 0.5) / (posting.size + 0.5))
    const result = new Map()
    for (const [number, tf] of posting) {
      const norm = 1 - B + (B * this.lengths[number]) / this.average
      result.set(number, (idf * tf * (K1 + 1)) / (tf + K1 * norm))
    }
    return result
  }

  /** Keys of the words starting with ``prefix``, shortest words first, a few for a short one. */
  prefixed(prefix) {
    const found = this.range(prefix).sort((a, b) => a.length - b.length)
    const limit = MAX_EXPANSIONS[Math.min(prefix.length, MAX_EXPANSIONS.length - 1)]
    return [...new Set(found.slice(0, limit).map(analyse))]
  }

  /** Keys of the words one typo away (insertion, deletion, substitution, swapped neighbours). */
  typos(word) {
    const found = new Set()
    for (let length = word.length - 1; length <= word.length + 1; length++)
      for (const candidate of this.byLength.get(length) || [])
        if (candidate !== word && withinOneEdit(word, candidate)) found.add(analyse(candidate))
    return [...found]
  }

  /** Two indexed keys that make up ``word`` ("kündigungsfrist" -> kündigung + frist). */
  compound(word) {
    for (let cut = word.length - 3; cut >= 4; cut--) {
      const tail = analyse(word.slice(cut))
      if (!this.has(tail)) continue
      const head = word.slice(0, cut)
      for (const candidate of [head, head.replace(/(e?s|e?n)$/, "")]) {
        const key = analyse(candidate)
        if (candidate.length >= 3 && this.has(key)) return [key, tail]
      }
    }
    return null
  }
}

function withinOneEdit(a, b) {
  if (a.length === b.length) {
    let first = -1
    let differences = 0
    for (let i = 0; i < a.length; i++)
      if (a[i] !== b[i]) {
        if (++differences > 2) return false
        if (first < 0) first = i
      }
    if (differences <= 1) return true
    // two differences: only a swap of neighbours counts as one typo
    return a[first] === b[first + 1] && a[first + 1] === b[first] && first + 1 < a.length &&
      a.slice(first + 2) === b.slice(first + 2)
  }
  const [short, long] = a.length < b.length ? [a, b] : [b, a]
  let i = 0
  while (i < short.length && short[i] === long[i]) i++
  return short.slice(i) === long.slice(i + 1)
}

/* ----- Search --------------------------------------------------------------------------- */

/** What each query word may match: index keys with the weight of the kind of match. */
function expand(index, word, typing) {
  const key = analyse(word)
  const matches = new Map()
  const add = (found, weight) => {
    if (index.has(found) && (matches.get(found) || 0) < weight)
      matches.set(found, weight)
  }
  add(key, MATCH.exact)
  const written = plain(word)
  if (typing && written.length >= 1) for (const found of index.prefixed(written)) add(found, MATCH.prefix)
  if (written.length >= 5) {
    for (const found of index.typos(written)) add(found, MATCH.typo)
    // Also when the compound itself is indexed: a newsletter may say "Lastschrifttermin"
    // where the article that answers says "Lastschrift" and "Termin".
    const parts = index.compound(written)
    if (parts) return { matches, parts }
  }
  return { matches, parts: null }
}

function search(index, query) {
  const typed = words(query)
  const typing = !/\s$/.test(query)
  const terms = typed.filter(word => !STOP_WORDS.has(word.toLowerCase()))
  const asked = terms.length ? terms : typed
  if (!asked.length) return { items: [] }

  // per query word: document number -> best score for that word
  const perWord = asked.map((word, position) => {
    const isLast = position === asked.length - 1 && word === typed[typed.length - 1]
    const { matches, parts } = expand(index, word, typing && isLast)
    const best = new Map()
    const keep = (number, score) => {
      if ((best.get(number) || 0) < score) best.set(number, score)
    }
    for (const [key, weight] of matches)
      for (const [number, score] of index.scores(key)) keep(number, weight * score)
    if (parts) {
      // A section with both parts says what the compound says ("Lastschrift" ... "Termin");
      // one part alone counts half ("Dividendentermin" finds the dividend article, which
      // need not say "Termin").
      const [head, tail] = parts.map(part => index.scores(part))
      for (const number of new Set([...head.keys(), ...tail.keys()])) {
        const [h, t] = [head.get(number) || 0, tail.get(number) || 0]
        keep(number, MATCH.compound * (h && t ? h + t : (h + t) / 2))
      }
    }
    return { word, matches, parts, best }
  })

  // sections grouped by page; a page's score is its best part plus a share of the rest
  const pages = new Map()
  const numbers = new Set(perWord.flatMap(({ best }) => [...best.keys()]))
  for (const number of numbers) {
    const doc = index.docs[number]
    let score = 0
    let matched = 0
    for (const { best } of perWord)
      if (best.has(number)) {
        score += best.get(number)
        matched += 1
      }
    const coverage = matched / perWord.length
    score *= coverage * coverage
    const location = doc.location.split("#")[0]
    const page = pages.get(location) || { location, sections: [], best: 0, sum: 0 }
    page.sections.push({ number, score })
    page.best = Math.max(page.best, score)
    page.sum += score
    pages.set(location, page)
  }
  const pageNumber = new Map(index.docs.map((doc, number) => [doc.location, number]))
  const ranked = [...pages.values()]
    .filter(page => pageNumber.has(page.location))
    .map(page => {
      const article = index.docs[pageNumber.get(page.location)]
      const boost = typeof article.boost === "number" ? article.boost : 1
      return { ...page, total: boost * (page.best + 0.2 * (page.sum - page.best)) }
    })
    .sort((a, b) => b.total - a.total)
    .slice(0, MAX_RESULTS)

  const keys = new Set(perWord.flatMap(({ matches, parts }) => [...matches.keys(), ...(parts || [])]))
  const items = ranked.map(page => {
    const found = new Map(page.sections.map(({ number, score }) => [number, score]))
    const articleNumber = pageNumber.get(page.location)
    const group = [item(index, articleNumber, page.total, perWord, keys)]
    const sections = page.sections
      .filter(({ number }) => number !== articleNumber)
      .sort((a, b) => b.score - a.score)
    for (const { number } of sections)
      group.push(item(index, number, found.get(number) * (page.total / (page.best || 1)), perWord, keys))
    return group
  })
  return { items }
}

function item(index, number, score, perWord, keys) {
  const doc = index.docs[number]
  const terms = {}
  for (const { word, best } of perWord) terms[word] = terms[word] || best.has(number)
  return {
    location: doc.location,
    title: highlight(doc.title, keys),
    text: highlight(doc.text || "", keys),
    // no tags: Material would render an unnamed <nav> per result (axe: landmark-unique)
    score,
    terms
  }
}

/** The result's title or excerpt as HTML that can hold nothing but text and our <mark>s.
 *  Material's bundle inserts it as HTML; the index is read as text (tags dropped, character
 *  references decoded) and escaped anew, so a title or heading can never become markup. */
function highlight(html, keys) {
  const text = plainText(html)
  let out = ""
  let last = 0
  for (const match of text.matchAll(WORD)) {
    const word = match[0]
    out += escapeHtml(text.slice(last, match.index))
    out += keys.has(analyse(word)) ? `<mark>${word}</mark>` : word
    last = match.index + word.length
  }
  return out + escapeHtml(text.slice(last))
}

const ENTITIES = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: "\u00a0", para: "¶" }

/** Text of an HTML fragment: tags dropped, character references decoded, spaces collapsed. */
function plainText(html) {
  return html
    .replace(/<[^>]*>/g, " ")
    .replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (reference, name) => {
      if (name[0] !== "#") return ENTITIES[name.toLowerCase()] ?? reference
      const code = name[1] === "x" || name[1] === "X" ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10)
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : ""
    })
    .replace(/\s+/g, " ")
    .trim()
}

function escapeHtml(text) {
  return text.replace(/[&<>"']/g, char => `&#${char.charCodeAt(0)};`)
}

/* ----- Worker protocol ------------------------------------------------------------------ */

let index = null

async function loadKeywords() {
  try {
    const response = await fetch(new URL("../../search/keywords.json", self.location.href))
    return response.ok ? await response.json() : {}
  } catch (error) {
    return {}
  }
}

addEventListener("message", async event => {
  const message = event.data
  if (message.type === SETUP) {
    const { config, docs } = message.data
    index = config.rundbrief
      ? Index.compact(docs, config.rundbrief)
      : Index.full(docs, await loadKeywords())
    // One search before the member types: compiles the hot paths, so the first keystroke
    // is answered as fast as the next ones.
    search(index, "e")
    postMessage({ type: READY })
  } else if (message.type === QUERY) {
    let data = { items: [] }
    try {
      if (index) data = search(index, message.data)
    } catch (error) {
      console.warn("search failed", error)
    }
    postMessage({ type: RESULT, data })
  }
})

