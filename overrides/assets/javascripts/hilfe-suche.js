/*
 * Search worker of the help site: replaces the engine inside Material's search worker and
 * keeps its protocol (SETUP -> READY, QUERY -> RESULT) and its user interface.
 *
 * Why not Material's lunr index: it does not stem German by default, and with lunr's German
 * stemmer on, search-as-you-type gets worse (the index holds stems with folded umlauts, while
 * prefix queries are not stemmed). Members type inflected forms, compounds, "ue" for "ü", and
 * typos. This engine analyses every word the same way on both sides:
 *
 *   lower case -> "ae/oe/ue" read as "ä/ö/ü", "ß" as "ss" -> German Snowball stem (folds the
 *   umlauts) -> remaining accents dropped
 *
 * and matches each query word as an exact stem, as a prefix (the word being typed), with one
 * typo (Damerau-Levenshtein, words of five letters or more) and as a compound of two indexed
 * words ("Kündigungsfrist" -> "Kündigung" + "Frist"). Scores are BM25 over title, keywords
 * (front matter `keywords:`, from search/keywords.json), tags and text, multiplied by the
 * page's `search.boost` (archived newsletters get less) and by how many query words matched.
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

const WEIGHTS = { pageTitle: 10, sectionTitle: 5, keywords: 8, tags: 4, text: 1 }
const MATCH = { exact: 1, prefix: 0.8, compound: 0.6, typo: 0.5 }
const K1 = 1.2
const B = 0.75
const MAX_EXPANSIONS = 64
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

/** Spelling-level normalisation: what members type for the same letters. */
function normalise(word) {
  return word
    .toLowerCase()
    .replace(/ß/g, "ss")
    .replace(/ae/g, "ä")
    .replace(/oe/g, "ö")
    .replace(/ue/g, "ü")
}

/** Drop every accent (ä -> a); the stemmer does this too, for its own output. */
function fold(word) {
  return word.normalize("NFD").replace(/[\u0300-\u036f]/g, "")
}

const analysed = new Map()

/** The index key of a word: normalised, stemmed, folded. Cached: words repeat a lot. */
function analyse(word) {
  let key = analysed.get(word)
  if (key === undefined) {
    key = fold(stem(normalise(word)))
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
  constructor(docs, keywords) {
    this.docs = docs
    this.postings = new Map() // key -> Map(doc number -> weighted term frequency)
    this.lengths = new Float64Array(docs.length)
    this.forms = new Map() // folded word as written -> key
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
          const key = analyse(word)
          if (STOP_WORDS.has(word.toLowerCase()) || !key) continue
          this.forms.set(fold(normalise(word)), key)
          let posting = this.postings.get(key)
          if (!posting) this.postings.set(key, (posting = new Map()))
          posting.set(number, (posting.get(number) || 0) + weight)
        }
      this.lengths[number] = length
    })
    this.average = this.lengths.reduce((a, b) => a + b, 0) / Math.max(1, docs.length)
    // Words as written (folded, unstemmed) lead to their keys: prefixes and typos are found
    // on these, so "Auszahlu" and "Auszahlng" both reach "auszahl".
    this.surface = [...this.forms.keys()].sort()
    this.byLength = new Map()
    for (const form of this.surface) {
      const list = this.byLength.get(form.length) || []
      list.push(form)
      this.byLength.set(form.length, list)
    }
  }

  /** BM25 of one key in every document holding it. */
  scores(key) {
    const posting = this.postings.get(key)
    if (!posting) return new Map()
    const n = this.docs.length
    const idf = Math.log(1 + (n - posting.size + 0.5) / (posting.size + 0.5))
    const result = new Map()
    for (const [number, tf] of posting) {
      const norm = 1 - B + (B * this.lengths[number]) / this.average
      result.set(number, (idf * tf * (K1 + 1)) / (tf + K1 * norm))
    }
    return result
  }

  /** Keys of the words starting with ``prefix``, shortest words first, at most MAX_EXPANSIONS. */
  prefixed(prefix) {
    const found = []
    let low = 0
    let high = this.surface.length
    while (low < high) {
      const middle = (low + high) >> 1
      if (this.surface[middle] < prefix) low = middle + 1
      else high = middle
    }
    for (let i = low; i < this.surface.length; i++) {
      if (!this.surface[i].startsWith(prefix)) break
      found.push(this.surface[i])
    }
    found.sort((a, b) => a.length - b.length)
    return [...new Set(found.slice(0, MAX_EXPANSIONS).map(form => this.forms.get(form)))]
  }

  /** Keys of the words one typo away (insertion, deletion, substitution, swapped neighbours). */
  typos(word) {
    const found = new Set()
    for (let length = word.length - 1; length <= word.length + 1; length++)
      for (const candidate of this.byLength.get(length) || [])
        if (candidate !== word && withinOneEdit(word, candidate)) found.add(this.forms.get(candidate))
    return [...found]
  }

  /** Two indexed keys that make up ``word`` ("kündigungsfrist" -> kündigung + frist). */
  compound(word) {
    for (let cut = word.length - 3; cut >= 4; cut--) {
      const tail = analyse(word.slice(cut))
      if (!this.postings.has(tail)) continue
      const head = word.slice(0, cut)
      for (const candidate of [head, head.replace(/(e?s|e?n)$/, "")]) {
        const key = analyse(candidate)
        if (candidate.length >= 3 && this.postings.has(key)) return [key, tail]
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
    if (index.postings.has(found) && (matches.get(found) || 0) < weight)
      matches.set(found, weight)
  }
  add(key, MATCH.exact)
  const plain = fold(normalise(word))
  if (typing && plain.length >= 1) for (const found of index.prefixed(plain)) add(found, MATCH.prefix)
  if (plain.length >= 5) {
    for (const found of index.typos(plain)) add(found, MATCH.typo)
    if (!index.postings.has(key)) {
      const parts = index.compound(plain)
      if (parts) return { matches, parts }
    }
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
      const [head, tail] = parts.map(part => index.scores(part))
      for (const [number, score] of head)
        if (tail.has(number)) keep(number, (MATCH.compound * (score + tail.get(number))) / 2)
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

/** Marks the words whose key matched, in text outside of tags, as Material's worker does. */
function highlight(html, keys) {
  return html
    .split(/(<[^>]*>)/)
    .map(part =>
      part.startsWith("<")
        ? part
        : part.replace(WORD, word => (keys.has(analyse(word)) ? `<mark>${word}</mark>` : word))
    )
    .join("")
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
    index = new Index(message.data.docs, await loadKeywords())
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

