"""Hand-written inputs of the bundled ``instructions`` set (a build input, not shipped; see build_instructions.py).

* ``PHRASINGS``: several ways to ask for each task, written for ftlab; ``{text}``, ``{en}``, ``{zh}`` are filled
  from rows of ftlab's bundled ``reviews``, ``news`` and ``translation`` sets.
* ``GENERAL``: instruction/response pairs written by hand for ftlab (everyday questions, short answers): the
  general behaviour a fine-tune may forget.
"""

SENTIMENT_WORDS = "negative, neutral or positive"
TOPIC_WORDS = "world, sports, business or science/technology"
DOMAINS = "apps, books, clothing, electronics, films, home, hotels, restaurants, services or travel"

PHRASINGS = {
    "sentiment": [
        f"What is the sentiment of this review? Answer with one word: {SENTIMENT_WORDS}.\n\n{{text}}",
        "Review: {text}\n\nIs this review positive, negative or neutral? Reply with a single word.",
        f"Classify the sentiment of the following customer review as {SENTIMENT_WORDS}. "
        "Give only the label.\n{text}",
        f"Read this review and tell me in one word how the writer feels overall ({SENTIMENT_WORDS}):\n\"{{text}}\"",
        "{text}\n\nSentiment (negative / neutral / positive)?",
    ],
    "topic": [
        f"Which section of a newspaper does this story belong to? Choose one of: {TOPIC_WORDS}. "
        "Answer with the section only.\n\n{text}",
        f"News item: {{text}}\n\nTopic? Reply with exactly one of {TOPIC_WORDS}.",
        f"Classify the topic of this news story ({TOPIC_WORDS}):\n{{text}}",
        f"Give the topic label for the following article. Allowed labels: {TOPIC_WORDS}.\n\"{{text}}\"",
        f"{{text}}\n\nWhat is this news about? Answer with one label: {TOPIC_WORDS}.",
    ],
    "translate-en-zh": [
        "Translate to Chinese: {en}",
        "Translate the following English sentence into Simplified Chinese.\n{en}",
        "How do you say this in Chinese? \"{en}\"",
        "English: {en}\nChinese:",
        "Please translate into Chinese (only the translation): {en}",
    ],
    "translate-zh-en": [
        "Translate to English: {zh}",
        "Translate the following Chinese sentence into English.\n{zh}",
        "What does this mean in English? \"{zh}\"",
        "Chinese: {zh}\nEnglish:",
        "Please translate into English (only the translation): {zh}",
    ],
    "json-review": [
        "Read the review and answer with JSON only, in the shape {{\"sentiment\": ..., \"domain\": ...}}. "
        f"sentiment is {SENTIMENT_WORDS}; domain is {DOMAINS}.\n\nReview: {{text}}",
        "Extract two fields from this review as a JSON object with the keys \"sentiment\" "
        f"({SENTIMENT_WORDS}) and \"domain\" ({DOMAINS}). No other text.\n{{text}}",
        "{text}\n\nFor the review above, return valid JSON: "
        "{{\"sentiment\": \"<negative|neutral|positive>\", \"domain\": \"<apps|books|clothing|electronics|films|"
        "home|hotels|restaurants|services|travel>\"}}",
    ],
    "json-news": [
        "Answer with JSON only: {{\"topic\": ..., \"headline\": ...}}, where topic is "
        f"{TOPIC_WORDS} and headline is the article's headline (its first sentence), copied exactly.\n\n{{text}}",
        f"From the news item below, extract the headline and the topic ({TOPIC_WORDS}). Reply with a JSON "
        "object with the keys \"topic\" and \"headline\" and nothing else.\n{text}",
        "{text}\n\nGive me JSON of the shape {{\"topic\": \"<world|sports|business|science/technology>\", "
        "\"headline\": \"<the headline as written>\"}}.",
    ],
}

GENERAL = [
    ("Give me three tips for keeping bread fresh for longer.",
     "1. Keep it in a bread box or a paper bag rather than the fridge, which dries it out faster.\n"
     "2. Slice only what you need and store the loaf cut side down.\n"
     "3. Freeze what you will not eat within two days; slices toast well straight from the freezer."),
    ("Explain in two sentences why the sky looks blue.",
     "Sunlight contains all colours, and the molecules of the air scatter short blue wavelengths much more "
     "strongly than long red ones. That scattered blue light reaches our eyes from every direction, so the whole "
     "sky looks blue."),
    ("Write a polite one-sentence reply declining a meeting invitation for Friday.",
     "Thank you for the invitation; unfortunately I am not available on Friday, but I would be glad to find "
     "another time next week."),
    ("What is the difference between weather and climate?",
     "Weather is the state of the atmosphere over hours or days, such as today's rain or tomorrow's heat. "
     "Climate is the average pattern of weather in a place over many years, such as how wet its winters usually are."),
    ("Suggest a name for a small café that sells books.",
     "How about \"The Reading Cup\"? It is short, friendly and says both coffee and books."),
    ("List four vegetables that grow well in a cool climate.",
     "Kale, peas, carrots and spinach all grow well in cool weather."),
    ("How many minutes are there in a day? Show the calculation.",
     "A day has 24 hours and each hour has 60 minutes, so 24 × 60 = 1440 minutes."),
    ("Summarise in one sentence: The library will close at 5 pm on Saturdays from next month, because fewer "
     "people visit in the evening, and the money saved will pay for longer opening hours on weekdays.",
     "From next month the library closes at 5 pm on Saturdays and uses the savings to open longer on weekdays."),
    ("Give a short definition of photosynthesis.",
     "Photosynthesis is the process by which plants, algae and some bacteria use the energy of sunlight to turn "
     "carbon dioxide and water into sugar, releasing oxygen."),
    ("What should I pack for a two-day hiking trip in spring?",
     "Pack layers (a warm fleece and a waterproof jacket), sturdy boots, a map, enough water and snacks, a small "
     "first-aid kit, sun cream and a torch. If you sleep outside, add a tent, a warm sleeping bag and a stove."),
    ("Rewrite this sentence so it sounds more formal: \"Hey, can you send me that file asap?\"",
     "Could you please send me the file at your earliest convenience?"),
    ("Is 91 a prime number?", "No. 91 = 7 × 13, so it has divisors other than 1 and itself."),
    ("Write a haiku about autumn rain.", "Cold rain on the roof\nred leaves float down the gutter\nthe kettle whistles"),
    ("Why do we need sleep? Answer briefly.",
     "Sleep lets the body repair itself and the brain sort and store what it learned during the day. Without "
     "enough of it, attention, mood and the immune system all suffer."),
    ("Give two reasons to learn a second language.",
     "It lets you talk with more people and understand their culture from the inside, and it trains memory and "
     "attention, which helps with learning in general."),
    ("Convert 25 degrees Celsius to Fahrenheit.", "25 × 9/5 + 32 = 77, so 25 °C is 77 °F."),
    ("What is a good way to start learning to cook?",
     "Start with a few simple dishes you like, such as an omelette, a pasta sauce or a soup, and cook each several "
     "times until you no longer need the recipe. Learn basic knife skills, and taste and season as you go."),
    ("Name the planets of the solar system in order from the Sun.",
     "Mercury, Venus, Earth, Mars, Jupiter, Saturn, Uranus and Neptune."),
    ("Write a one-line reminder to water the plants on Sunday.", "Reminder: water the plants on Sunday."),
    ("Explain what a budget is to a ten-year-old.",
     "A budget is a plan for your money. You write down how much you will get, then decide how much to spend and "
     "how much to save, so you don't run out before you buy what matters most."),
    ("What is the capital of Australia?", "Canberra."),
    ("Give me a short packing list for a beach day.",
     "Towel, swimsuit, sun cream, hat, sunglasses, water, snacks and a book."),
    ("How can I make my emails clearer?",
     "Put the main point or request in the first sentence, keep paragraphs short, use a subject line that says "
     "what the email is about, and end with the action you need and by when."),
    ("Why does ice float on water?",
     "Water expands when it freezes: its molecules lock into an open crystal pattern, so ice is less dense than "
     "liquid water and floats."),
    ("Write a friendly sentence welcoming a new colleague to the team.",
     "Welcome to the team! We are glad to have you, so don't hesitate to ask if you need anything as you settle in."),
    ("What is 15% of 80?", "15% of 80 is 0.15 × 80 = 12."),
    ("Suggest a quick vegetarian dinner.",
     "Fry an onion and some garlic, add a tin of chickpeas, chopped tomatoes and a spoon of curry paste, simmer for "
     "ten minutes and stir in spinach. Serve it with rice or flatbread."),
    ("Describe a cat in one sentence.",
     "A cat is a small, soft-furred animal with sharp claws and keen senses that likes to sleep in the sun and "
     "chase anything that moves."),
    ("What does a thermometer measure?", "A thermometer measures temperature: how hot or cold something is."),
    ("Give one tip for studying for an exam.",
     "Test yourself instead of rereading: close the book, write down what you remember, then check the gaps."),
]
