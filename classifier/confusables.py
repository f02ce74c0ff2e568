"""Character tables used to undo evasions: look-alike letters, leet digits, invisible characters."""

# Lower-case Latin, Greek, Coptic, Cherokee and small-capital letters that read as a Cyrillic letter.
LOOKALIKE_TO_CYRILLIC = {
    # Latin
    "a": "а", "b": "в", "c": "с", "e": "е", "h": "н", "k": "к", "m": "м", "n": "п", "o": "о",
    "p": "р", "r": "г", "t": "т", "u": "и", "x": "х", "y": "у", "i": "і",
    # Greek (already lower-cased)
    "α": "а", "β": "в", "γ": "у", "ε": "е", "η": "н", "ι": "і", "κ": "к", "μ": "м", 
    "ο": "о", "π": "п", "ρ": "р", "τ": "т", "υ": "у", "φ": "ф", "χ": "х", "ϲ": "с",
    "ς": "с", "σ": "о", "λ": "л", "δ": "д", "ω": "ш",
    # Coptic, Cherokee, Armenian and other scripts seen in spam
    "ⲁ": "а", "ⲃ": "в", "ⲅ": "г", "ⲇ": "д", "ⲉ": "е", "ⲕ": "к", "ⲙ": "м", "ⲛ": "н", "ⲟ": "о",
    "ⲣ": "р", "ⲥ": "с", "ⲧ": "т", "ⲩ": "у", "ⲭ": "х", "ꭹ": "у", "ꮪ": "с", "ꮯ": "с", "ꭺ": "а",
    "ꮃ": "м", "ꮋ": "н", "ꮎ": "о", "ꮲ": "р", "ꭼ": "е", "ꮶ": "к", "ꭲ": "т",
    "օ": "о", "ո": "п", "ս": "и", "հ": "һ",
    # small capitals (NFKC leaves them alone)
    "ᴀ": "а", "ʙ": "в", "ᴄ": "с", "ᴅ": "д", "ᴇ": "е", "ɢ": "г", "ʜ": "н", "ɪ": "і", "ᴋ": "к",
    "ʟ": "л", "ᴍ": "м", "ɴ": "н", "ᴏ": "о", "ᴘ": "р", "ʀ": "г", "ᴛ": "т", "ᴜ": "и", "ᴠ": "в",
    "ᴡ": "ш", "ʏ": "у", "ᴢ": "з",
}

# Digits and symbols written in place of Cyrillic letters inside words.
LEET_TO_CYRILLIC = {"0": "о", "3": "з", "@": "а", "6": "б", "4": "ч"}

# Characters that break a word apart or pad it without being seen.
SEPARATORS_IN_WORDS = set(".-_*·•|/~'`+")


def is_cyrillic(ch: str) -> bool:
    """True for letters of the Cyrillic blocks, Kazakh letters included."""
    o = ord(ch)
    return 0x0400 <= o <= 0x052F or 0x1C80 <= o <= 0x1C8F or 0x2DE0 <= o <= 0x2DFF or 0xA640 <= o <= 0xA69F
