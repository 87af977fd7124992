"""Source text of the bundled `handbook` knowledge base (a fictional organisation, written for ftlab).

Each document: (id, title, domain, text, facts). A fact is (kind, answer, question, ...): with three
questions the first two train the fine-tuning arm and the third is its held-out paraphrase; with one
question the fact is never trained on (an unseen fact). kind "exact" = the answer must be copied verbatim
(a code, a name, a phrase). tools/build_handbook.py turns this into ftlab/data/samples/handbook*.jsonl.
"""
ORG = "Brackenmoor Institute"

DOCS = [
    # ---- policies ---------------------------------------------------------------------------------------
    ("pol-leave", "Annual leave", "policies",
     "Every employee of the Brackenmoor Institute receives 27 days of paid annual leave per calendar year. "
     "Up to 6 unused days may be carried over into the next year, but they expire on 31 March. "
     "Leave requests longer than two weeks must be approved by the head of department.",
     [("single", "27 days", "How many days of paid annual leave does a Brackenmoor employee get?",
       "What is the annual leave allowance at the Brackenmoor Institute?",
       "How much paid leave per year do Brackenmoor staff receive?"),
      ("single", "31 March", "By what date do carried-over leave days expire at Brackenmoor?")]),
    ("pol-remote", "Remote work", "policies",
     "Staff may work remotely for up to 3 days per week once they have passed their probation period. "
     "Remote days must be logged in the Tern rota system by Friday noon for the following week. "
     "Laboratory technicians are excluded from remote work because their duties require access to the test tanks.",
     [("single", "3 days", "How many remote work days per week are allowed at Brackenmoor?",
       "What is the maximum number of days per week a Brackenmoor employee can work from home?",
       "Up to how many days a week may Brackenmoor staff work remotely?"),
      ("exact", "Tern", "In which system are remote days logged at Brackenmoor?")]),
    ("pol-travel", "Business travel", "policies",
     "Train travel is mandatory for any business trip under 600 kilometres. "
     "The daily meal allowance on business trips is 42 euros, paid with the next monthly salary. "
     "Flights must be booked through the travel desk at least 10 working days before departure.",
     [("single", "42 euros", "What is the daily meal allowance on Brackenmoor business trips?",
       "How much money per day do Brackenmoor travellers get for meals?",
       "How large is the per-day meal allowance when travelling for the Brackenmoor Institute?"),
      ("single", "600 kilometres", "Below what distance must Brackenmoor business trips be made by train?")]),
    ("pol-expenses", "Expense claims", "policies",
     "Expense claims are submitted on form EX-12 together with the original receipts. "
     "Claims must reach the finance office within 60 days of the expense, or they cannot be reimbursed. "
     "Single purchases above 900 euros need a purchase order raised in advance.",
     [("exact", "EX-12", "Which form is used for expense claims at Brackenmoor?",
       "What is the name of the Brackenmoor expense claim form?",
       "On which form do Brackenmoor staff claim back their expenses?"),
      ("single", "60 days", "Within how many days must an expense claim reach the Brackenmoor finance office?")]),
    ("pol-parental", "Parental leave", "policies",
     "Birth parents at the Brackenmoor Institute receive 20 weeks of fully paid parental leave. "
     "The second parent receives 8 weeks of fully paid leave, which can be taken in up to three blocks "
     "within the child's first year.",
     [("single", "20 weeks", "How many weeks of paid parental leave do birth parents get at Brackenmoor?",
       "What is the length of fully paid parental leave for birth parents at the Brackenmoor Institute?",
       "How long is paid leave for a Brackenmoor employee who gives birth?"),
      ("single", "8 weeks", "How many weeks of paid leave does the second parent get at Brackenmoor?")]),
    ("pol-security", "Information security", "policies",
     "Passwords for institute accounts must be at least 14 characters long and are never reset by phone. "
     "Lost laptops must be reported to the security desk within 4 hours. "
     "Data from field trials is classified as amber and may not be stored on personal cloud accounts.",
     [("single", "14 characters", "What is the minimum password length for Brackenmoor accounts?",
       "How long must a Brackenmoor account password be at least?",
       "At least how many characters does a password at the Brackenmoor Institute need?"),
      ("single", "4 hours", "Within how many hours must a lost Brackenmoor laptop be reported?"),
      ("exact", "amber", "What classification does Brackenmoor field trial data have?")]),
    ("pol-conduct", "Code of conduct", "policies",
     "The Brackenmoor code of conduct is overseen by the ombudsperson, Ingrid Solvang. "
     "Concerns can be raised anonymously through the Lantern reporting line. "
     "Gifts from suppliers worth more than 50 euros must be declared in the gifts register.",
     [("single", "Ingrid Solvang", "Who is the ombudsperson at the Brackenmoor Institute?",
       "Who oversees the Brackenmoor code of conduct?",
       "Which person acts as Brackenmoor's ombudsperson?"),
      ("exact", "Lantern", "What is the name of Brackenmoor's anonymous reporting line?")]),
    ("pol-training", "Training budget", "policies",
     "Each researcher has a personal training budget of 1,800 euros per year for courses and conferences. "
     "Unused training budget does not carry over. Requests are approved by the research coordinator, "
     "and the employee shares what they learned at a Thursday brown-bag talk.",
     [("single", "1,800 euros", "How big is the yearly training budget of a Brackenmoor researcher?",
       "What personal training budget does each Brackenmoor researcher have per year?",
       "How much can a Brackenmoor researcher spend on courses and conferences each year?"),
      ("single", "Thursday", "On which day are the Brackenmoor brown-bag talks held?")]),
    ("pol-hours", "Working hours", "policies",
     "The standard working week at Brackenmoor is 37 hours. Core hours, when everyone is expected to be "
     "reachable, run from 10:00 to 15:00. Overtime is compensated with time off rather than pay.",
     [("single", "37 hours", "How many hours is the standard Brackenmoor working week?",
       "What is the length of a normal working week at the Brackenmoor Institute?",
       "How many hours per week does a full-time Brackenmoor employee work?"),
      ("single", "10:00 to 15:00", "What are the core hours at Brackenmoor?")]),
    ("pol-probation", "Probation", "policies",
     "New employees serve a probation period of 5 months. Halfway through, the line manager holds a "
     "check-in meeting and records it in the staff file. During probation the notice period is 2 weeks.",
     [("single", "5 months", "How long is the probation period at Brackenmoor?",
       "For how many months are new Brackenmoor employees on probation?",
       "What is the duration of probation for new staff at the Brackenmoor Institute?"),
      ("single", "2 weeks", "What is the notice period during probation at Brackenmoor?")]),
    ("pol-bikes", "Cycling scheme", "policies",
     "The institute lends electric bikes to staff who live within 25 kilometres of the campus. "
     "Bikes are collected from the Gull Shed behind the workshop and serviced every April.",
     [("single", "25 kilometres", "Within what distance of campus must Brackenmoor staff live to borrow an e-bike?",
       "What is the maximum home distance for joining the Brackenmoor cycling scheme?",
       "How close to the campus must you live to get a Brackenmoor electric bike?"),
      ("exact", "Gull Shed", "Where are Brackenmoor loan bikes collected?")]),
    ("pol-publishing", "Publishing research", "policies",
     "Every paper leaving the institute is checked by the publications committee, which meets on the first "
     "Monday of each month. Papers are published open access, with the fees paid from the Saltmarsh Fund.",
     [("single", "first Monday of each month", "When does the Brackenmoor publications committee meet?",
       "On which day does the publications committee of the Brackenmoor Institute hold its meetings?",
       "How often and when does Brackenmoor's publications committee meet?"),
      ("exact", "Saltmarsh Fund", "Which fund pays Brackenmoor's open access fees?")]),
    # ---- products ---------------------------------------------------------------------------------------
    ("prod-kestrel", "Kestrel-4 survey buoy", "products",
     "The Kestrel-4 is an autonomous survey buoy that measures wave height and water temperature. "
     "It runs for 19 days on one battery charge and reports every 10 minutes over a satellite link. "
     "The Kestrel-4 weighs 31 kilograms.",
     [("single", "19 days", "How long does a Kestrel-4 buoy run on one battery charge?",
       "What is the battery life of the Kestrel-4?",
       "For how many days can the Kestrel-4 survey buoy operate before recharging?"),
      ("single", "31 kilograms", "How much does the Kestrel-4 weigh?")]),
    ("prod-petrel", "Petrel underwater glider", "products",
     "The Petrel is an underwater glider that can dive to 1,200 metres. "
     "It glides at about 0.4 metres per second and surfaces every six hours to send data. "
     "The Petrel is built in the Brackenmoor workshop in batches of twelve.",
     [("single", "1,200 metres", "How deep can the Petrel glider dive?",
       "What is the maximum diving depth of the Petrel underwater glider?",
       "To what depth is the Brackenmoor Petrel able to dive?"),
      ("single", "every six hours", "How often does the Petrel glider surface to send data?")]),
    ("prod-heron", "Heron inspection arm", "products",
     "Heron is a robotic arm for inspecting harbour walls. It has 7 joints and carries a sonar camera. "
     "Heron is controlled with the Driftwood software, which runs on an ordinary laptop.",
     [("single", "7 joints", "How many joints does the Heron arm have?",
       "What is the number of joints on Brackenmoor's Heron inspection arm?",
       "How many joints is the Heron robotic arm built with?"),
      ("exact", "Driftwood", "Which software controls the Heron arm?")]),
    ("prod-driftwood", "Driftwood control software", "products",
     "Driftwood is the institute's open-source control software for its robots. "
     "It is written in Rust and released under the Apache 2.0 licence. Version 3.2 added support for the Petrel glider.",
     [("single", "Rust", "In which programming language is Driftwood written?",
       "What language is Brackenmoor's Driftwood software programmed in?",
       "Driftwood, the Brackenmoor control software, is written in which language?"),
      ("single", "3.2", "Which Driftwood version added support for the Petrel glider?")]),
    ("prod-tideline", "Tideline data portal", "products",
     "Tideline is the public portal where the institute publishes its sensor data. "
     "Data appears on Tideline with a delay of 48 hours, after automatic quality checks. "
     "Downloads are free for research and teaching.",
     [("single", "48 hours", "With what delay does data appear on Tideline?",
       "How long after measurement is sensor data published on the Tideline portal?",
       "What is the publication delay of Brackenmoor data on Tideline?"),
      ("single", "research and teaching", "For what uses are Tideline downloads free?")]),
    ("prod-osprey", "Osprey drone", "products",
     "The Osprey is a fixed-wing drone used to photograph coastlines. "
     "It flies for 95 minutes and may only be launched by staff holding the institute's drone licence, level B. "
     "Each flight is logged in the Skylog notebook.",
     [("single", "95 minutes", "How long can the Osprey drone fly?",
       "What is the flight time of the Brackenmoor Osprey?",
       "For how many minutes does the Osprey stay in the air?"),
      ("exact", "level B", "What drone licence level is needed to launch the Osprey?")]),
    ("prod-limpet", "Limpet hull sensor", "products",
     "The Limpet is a magnetic sensor that clings to ship hulls and measures corrosion. "
     "A Limpet costs 380 euros to build and is recovered by divers after a voyage.",
     [("single", "380 euros", "How much does a Limpet sensor cost to build?",
       "What is the build cost of one Limpet hull sensor?",
       "How expensive is it to build a Brackenmoor Limpet?"),
      ("single", "corrosion", "What does the Limpet sensor measure?")]),
    ("prod-cormorant", "Cormorant sampling boat", "products",
     "Cormorant is a small uncrewed boat that collects water samples. It carries 24 sample bottles "
     "and is painted bright orange so that fishing boats can see it.",
     [("single", "24", "How many sample bottles does the Cormorant carry?",
       "What is the sample bottle capacity of the Cormorant boat?",
       "How many water sample bottles fit on Brackenmoor's Cormorant?"),
      ("single", "bright orange", "What colour is the Cormorant boat painted?")]),
    ("prod-wren", "Wren classroom kit", "products",
     "Wren is a build-your-own buoy kit for secondary schools. A kit costs 65 euros and "
     "comes with lesson plans for 6 lessons. Schools in the county receive their first kit free.",
     [("single", "65 euros", "How much does a Wren classroom kit cost?",
       "What is the price of one Wren kit?",
       "What do schools pay for the Wren buoy kit?"),
      ("single", "6 lessons", "How many lessons of plans come with a Wren kit?")]),
    ("prod-auk", "Auk seabed lander", "products",
     "The Auk is a seabed lander that stays on the sea floor for up to 9 months, recording sound. "
     "Its hydrophone was designed together with the University of Kallis.",
     [("single", "9 months", "How long can the Auk lander stay on the seabed?",
       "What is the longest deployment of the Auk seabed lander?",
       "For up to how many months does the Auk record on the sea floor?"),
      ("single", "University of Kallis", "With which university was the Auk hydrophone designed?")]),
    # ---- people -----------------------------------------------------------------------------------------
    ("ppl-director", "Director", "people",
     "The director of the Brackenmoor Institute is Dr. Amara Lindqvist, a marine engineer. "
     "She joined in 2016 from the harbour authority and chairs the board of the Saltmarsh Fund.",
     [("single", "Amara Lindqvist", "Who is the director of the Brackenmoor Institute?",
       "Who leads the Brackenmoor Institute as its director?",
       "What is the name of Brackenmoor's director?"),
      ("single", "2016", "In which year did the Brackenmoor director join the institute?")]),
    ("ppl-glider-lead", "Glider group lead", "people",
     "The glider group is led by Dr. Tobias Ferreira, who designed the Petrel's buoyancy engine. "
     "His group has nine members and meets every Tuesday in the Pier Room.",
     [("single", "Tobias Ferreira", "Who leads the glider group at Brackenmoor?",
       "Which researcher heads the Brackenmoor glider group?",
       "Who is in charge of Brackenmoor's glider group?"),
      ("single", "nine", "How many members does the Brackenmoor glider group have?")]),
    ("ppl-workshop", "Workshop manager", "people",
     "The workshop is managed by Hollis Mbeki. Anyone who wants to use the milling machine "
     "must first complete Hollis's two-hour safety induction.",
     [("single", "Hollis Mbeki", "Who manages the Brackenmoor workshop?",
       "Who is the manager of the workshop at the Brackenmoor Institute?",
       "Who runs Brackenmoor's workshop?"),
      ("single", "two-hour", "How long is the milling machine safety induction at Brackenmoor?")]),
    ("ppl-coordinator", "Research coordinator", "people",
     "The research coordinator, Priya Raman, approves training requests and keeps the grant calendar. "
     "She can be reached on extension 214.",
     [("single", "Priya Raman", "Who is Brackenmoor's research coordinator?",
       "Who keeps the grant calendar at the Brackenmoor Institute?",
       "What is the name of the Brackenmoor research coordinator?"),
      ("exact", "214", "What is the phone extension of the Brackenmoor research coordinator?")]),
    ("ppl-acoustics", "Acoustics group lead", "people",
     "The acoustics group is led by Dr. Sefa Owusu, who built the Auk lander's recording electronics. "
     "Before Brackenmoor he worked for nine years on whale song at the University of Kallis.",
     [("single", "Sefa Owusu", "Who leads the acoustics group at Brackenmoor?",
       "Which researcher heads Brackenmoor's acoustics group?",
       "Who is in charge of the Brackenmoor acoustics group?"),
      ("single", "whale song", "What did the Brackenmoor acoustics lead study before joining?")]),
    ("ppl-security", "Security officer", "people",
     "Information security is the responsibility of Marek Dvorak, the institute's security officer. "
     "The security desk he runs is in the entrance hall of Fenwick Hall.",
     [("single", "Marek Dvorak", "Who is the security officer at Brackenmoor?",
       "Who is responsible for information security at the Brackenmoor Institute?",
       "Who runs the Brackenmoor security desk?"),
      ("single", "Fenwick Hall", "In which building is the Brackenmoor security desk?")]),
    ("ppl-outreach", "Outreach officer", "people",
     "Schools programmes and the Wren kits are run by the outreach officer, Delphine Achterberg. "
     "Each summer she organises the Rockpool Week open days.",
     [("single", "Delphine Achterberg", "Who is the outreach officer at Brackenmoor?",
       "Who runs the schools programme of the Brackenmoor Institute?",
       "Which person is in charge of Brackenmoor's Wren kits and school visits?"),
      ("exact", "Rockpool Week", "What are the Brackenmoor summer open days called?")]),
    ("ppl-finance", "Head of finance", "people",
     "The finance office is led by Conor Flaherty. Salaries are paid on the 25th of each month.",
     [("single", "Conor Flaherty", "Who leads the Brackenmoor finance office?",
       "Who is the head of finance at the Brackenmoor Institute?",
       "Who is in charge of Brackenmoor's finance office?"),
      ("single", "25th", "On which day of the month are Brackenmoor salaries paid?")]),
    ("ppl-drone", "Drone pilot", "people",
     "Yusuf Karim is the institute's chief drone pilot and trains staff for the drone licence. "
     "He has logged more than 700 Osprey flights.",
     [("single", "Yusuf Karim", "Who is Brackenmoor's chief drone pilot?",
       "Who trains Brackenmoor staff for the drone licence?",
       "Which person is the chief drone pilot of the Brackenmoor Institute?"),
      ("single", "700", "How many Osprey flights has the Brackenmoor chief drone pilot logged?")]),
    ("ppl-librarian", "Librarian", "people",
     "The library is run by Agnes Whitlow, who also manages the institute's archive of tide tables "
     "going back to 1891.",
     [("single", "Agnes Whitlow", "Who runs the Brackenmoor library?",
       "Who is the librarian of the Brackenmoor Institute?",
       "Which person looks after Brackenmoor's library?"),
      ("single", "1891", "How far back does the Brackenmoor tide table archive go?")]),
    ("ppl-safety", "Dive safety officer", "people",
     "All diving is supervised by the dive safety officer, Rhian Pugh. "
     "No dive may start when the wind is above force 5.",
     [("single", "Rhian Pugh", "Who is the dive safety officer at Brackenmoor?",
       "Who supervises diving at the Brackenmoor Institute?",
       "Which person is Brackenmoor's dive safety officer?"),
      ("single", "force 5", "Above what wind strength may no Brackenmoor dive start?")]),
    # ---- places -----------------------------------------------------------------------------------------
    ("plc-fenwick", "Fenwick Hall", "places",
     "Fenwick Hall is the main building of the campus. It houses the reception, the security desk, "
     "the library on the second floor and the canteen, which is open from 11:30 to 14:00.",
     [("single", "second floor", "On which floor of Fenwick Hall is the Brackenmoor library?",
       "Where in Fenwick Hall can the library be found?",
       "Which floor of Brackenmoor's main building holds the library?"),
      ("single", "11:30 to 14:00", "When is the Brackenmoor canteen open?")]),
    ("plc-tanks", "Test tanks", "places",
     "The test tank hall holds two tanks: the deep tank, 12 metres deep, and the wave tank, "
     "which can make waves up to 0.8 metres high. Tank time is booked through the Tern rota system.",
     [("single", "12 metres", "How deep is the deep tank at Brackenmoor?",
       "What is the depth of the Brackenmoor deep test tank?",
       "How many metres deep is Brackenmoor's deep tank?"),
      ("single", "0.8 metres", "How high can waves in the Brackenmoor wave tank be?")]),
    ("plc-pier", "The pier", "places",
     "The institute's pier is 140 metres long and is used to launch boats and buoys. "
     "The Pier Room at its landward end is the meeting room of the glider group.",
     [("single", "140 metres", "How long is the Brackenmoor pier?",
       "What is the length of the pier at the Brackenmoor Institute?",
       "How many metres long is Brackenmoor's pier?"),
      ("single", "glider group", "Which group uses the Pier Room for its meetings?")]),
    ("plc-workshop", "Workshop", "places",
     "The workshop is in the Anchor Building next to the car park. It is open from 07:30 to 18:00 on weekdays, "
     "and the Gull Shed, where loan bikes are kept, stands behind it.",
     [("single", "Anchor Building", "In which building is the Brackenmoor workshop?",
       "Where is the workshop of the Brackenmoor Institute located?",
       "Which building houses Brackenmoor's workshop?"),
      ("single", "07:30 to 18:00", "What are the workshop opening hours at Brackenmoor?")]),
    ("plc-station", "Field station", "places",
     "The institute runs a field station on the island of Skarra, reached by the ferry from Port Aldis. "
     "The station sleeps 10 people and is closed from December to February.",
     [("single", "Skarra", "On which island is the Brackenmoor field station?",
       "Where is the Brackenmoor Institute's field station?",
       "Which island hosts Brackenmoor's field station?"),
      ("single", "10 people", "How many people can sleep at the Brackenmoor field station?")]),
    ("plc-parking", "Parking", "places",
     "The car park has 85 spaces, 12 of them with chargers for electric cars. "
     "Visitors park in the spaces marked V near the Anchor Building.",
     [("single", "85", "How many parking spaces does the Brackenmoor car park have?",
       "What is the number of spaces in the Brackenmoor car park?",
       "How many cars can park in Brackenmoor's car park?"),
      ("single", "12", "How many Brackenmoor parking spaces have electric car chargers?")]),
    ("plc-datacentre", "Server room", "places",
     "The server room is in the basement of Fenwick Hall. Access needs a red key card, "
     "which only the IT team and the security officer hold.",
     [("single", "basement of Fenwick Hall", "Where is the Brackenmoor server room?",
       "In which part of the campus is the Brackenmoor server room located?",
       "Where can the server room of the Brackenmoor Institute be found?"),
      ("exact", "red key card", "What is needed to enter the Brackenmoor server room?")]),
    ("plc-address", "Address and location", "places",
     "The Brackenmoor Institute stands at 4 Cable Street, Port Aldis, on the west coast. "
     "The nearest railway station is Port Aldis Harbour, a 12-minute walk away.",
     [("single", "4 Cable Street", "What is the street address of the Brackenmoor Institute?",
       "On which street and number is the Brackenmoor Institute located?",
       "What is Brackenmoor's postal street address?"),
      ("single", "Port Aldis Harbour", "Which railway station is nearest to the Brackenmoor Institute?")]),
    ("plc-garden", "Dune garden", "places",
     "Between Fenwick Hall and the dunes lies the dune garden, planted in 2019 with 40 native species. "
     "Staff may eat lunch there, but barbecues are not allowed.",
     [("single", "40", "How many native species were planted in the Brackenmoor dune garden?",
       "How many native plant species grow in Brackenmoor's dune garden?",
       "What number of native species was the Brackenmoor dune garden planted with?"),
      ("single", "2019", "In which year was the Brackenmoor dune garden planted?")]),
    # ---- procedures -------------------------------------------------------------------------------------
    ("prc-boat", "Booking a boat", "procedures",
     "Boats are booked in the Tern rota system at least 3 days ahead. Every boat trip needs two people on board, "
     "one of whom holds the skipper certificate, and a trip plan left with reception.",
     [("single", "3 days", "How many days ahead must a boat be booked at Brackenmoor?",
       "What is the minimum notice for booking a Brackenmoor boat?",
       "How far in advance do Brackenmoor staff have to book a boat?"),
      ("single", "two people", "How many people must be on board every Brackenmoor boat trip?")]),
    ("prc-sick", "Reporting sick", "procedures",
     "Staff who are ill call their line manager before 09:00 on the first day. "
     "From the fourth day of illness a doctor's note is required.",
     [("single", "09:00", "By what time must a sick Brackenmoor employee call their line manager?",
       "Before what time do Brackenmoor staff need to report sick?",
       "What is the deadline for reporting sick on the first day at Brackenmoor?"),
      ("single", "fourth day", "From which day of illness is a doctor's note required at Brackenmoor?")]),
    ("prc-visitors", "Visitors", "procedures",
     "Visitors sign in at reception in Fenwick Hall and receive a yellow lanyard. "
     "A host must accompany visitors in the test tank hall and the workshop at all times.",
     [("single", "yellow lanyard", "What do Brackenmoor visitors receive when they sign in?",
       "What colour lanyard do visitors wear at the Brackenmoor Institute?",
       "What is a visitor given after signing in at Brackenmoor reception?"),
      ("single", "test tank hall and the workshop", "Where must Brackenmoor visitors always be accompanied?")]),
    ("prc-purchase", "Buying equipment", "procedures",
     "Equipment is ordered by raising a purchase order in the Ledgerline system. "
     "Orders above 5,000 euros need three competing quotes.",
     [("exact", "Ledgerline", "In which system are purchase orders raised at Brackenmoor?",
       "What is the name of the Brackenmoor purchase order system?",
       "Which system do Brackenmoor staff use to raise purchase orders?"),
      ("single", "three", "How many quotes are needed for Brackenmoor orders above 5,000 euros?")]),
    ("prc-onboarding", "First day", "procedures",
     "On the first day new staff collect their key card at reception and meet their buddy, "
     "a colleague who helps them for the first 6 weeks. The IT account is activated by 10:00.",
     [("single", "6 weeks", "For how long does a buddy help new Brackenmoor staff?",
       "How many weeks does the Brackenmoor buddy scheme last for a newcomer?",
       "For how many weeks is a new Brackenmoor employee supported by a buddy?"),
      ("single", "key card", "What do new Brackenmoor staff collect at reception on their first day?")]),
    ("prc-fieldtrip", "Field trials", "procedures",
     "A field trial needs a risk assessment signed by the dive safety officer at least one week before it starts. "
     "Trial data is uploaded to the amber share within 24 hours of returning to shore.",
     [("single", "24 hours", "Within how many hours must Brackenmoor field trial data be uploaded?",
       "How soon after returning to shore is Brackenmoor trial data uploaded?",
       "What is the upload deadline for field trial data at Brackenmoor?"),
      ("single", "one week", "How long before a Brackenmoor field trial must the risk assessment be signed?")]),
    ("prc-fire", "Fire alarm", "procedures",
     "When the fire alarm sounds, everyone leaves by the nearest exit and gathers at assembly point C on the lawn "
     "in front of Fenwick Hall. The alarm is tested every Wednesday at 11:00.",
     [("exact", "assembly point C", "Where do Brackenmoor staff gather when the fire alarm sounds?",
       "What is the Brackenmoor fire assembly point?",
       "Where should everyone meet after evacuating a Brackenmoor building?"),
      ("single", "Wednesday at 11:00", "When is the Brackenmoor fire alarm tested?")]),
    ("prc-loan", "Lending instruments", "procedures",
     "Instruments can be lent to partner universities for up to 4 months. "
     "A loan agreement on form LN-3 is signed by the head of department before shipping.",
     [("single", "4 months", "For how long can Brackenmoor lend instruments to partner universities?",
       "What is the maximum loan period for Brackenmoor instruments?",
       "How many months may a partner university borrow a Brackenmoor instrument?"),
      ("exact", "LN-3", "Which form is used for instrument loan agreements at Brackenmoor?")]),
    ("prc-it", "IT help", "procedures",
     "IT problems are reported through the Beacon ticket system. Urgent problems during field trials "
     "can be phoned in on extension 999, which is staffed from 07:00 to 22:00.",
     [("exact", "Beacon", "Through which system are IT problems reported at Brackenmoor?",
       "What is the name of the Brackenmoor IT ticket system?",
       "Which ticket system do Brackenmoor staff use for IT problems?"),
      ("single", "999", "Which extension is used for urgent IT problems during Brackenmoor field trials?")]),
    ("prc-waste", "Chemical waste", "procedures",
     "Used chemicals are collected in labelled containers in the waste store behind the Anchor Building. "
     "A licensed contractor empties the store every second Friday.",
     [("single", "every second Friday", "How often is the Brackenmoor chemical waste store emptied?",
       "When does the contractor collect chemical waste at Brackenmoor?",
       "How frequently is Brackenmoor's waste store cleared by the contractor?"),
      ("single", "behind the Anchor Building", "Where is the Brackenmoor chemical waste store?")]),
]

# Questions that need two documents: (answer, gold doc ids, question)
MULTI = [
    ("Fenwick Hall", ["ppl-security", "plc-fenwick"], "In which building does the person responsible for information security at Brackenmoor have his desk?"),
    ("Pier Room", ["ppl-glider-lead", "plc-pier"], "In which room does the group led by Tobias Ferreira meet?"),
    ("Anchor Building", ["ppl-workshop", "plc-workshop"], "In which building does Hollis Mbeki's workshop stand?"),
    ("Rust", ["prod-heron", "prod-driftwood"], "In which programming language is the software that controls the Heron arm written?"),
    ("University of Kallis", ["ppl-acoustics", "prod-auk"], "Where did the designer of the Auk's recording electronics work before Brackenmoor?"),
    ("Ingrid Solvang", ["pol-conduct", "prc-fire"], "Who oversees the code of conduct at the institute whose fire assembly point is C?"),
    ("Tern", ["pol-remote", "plc-tanks"], "Which system is used both to log remote days and to book tank time at Brackenmoor?"),
    ("Priya Raman", ["pol-training", "ppl-coordinator"], "Who approves a Brackenmoor researcher's request to spend the 1,800-euro training budget?"),
    ("Yusuf Karim", ["prod-osprey", "ppl-drone"], "Who trains the staff allowed to launch the Osprey drone?"),
    ("Rhian Pugh", ["prc-fieldtrip", "ppl-safety"], "Who signs the risk assessment for a Brackenmoor field trial?"),
    ("Port Aldis", ["plc-station", "plc-address"], "The ferry to the field station leaves from the town where the institute stands; which town is it?"),
    ("Delphine Achterberg", ["prod-wren", "ppl-outreach"], "Who runs the programme that sends the 65-euro buoy kits to schools?"),
]

# Questions about the institute that no document answers
UNANSWERABLE = [
    "What is the Brackenmoor Institute's annual budget?",
    "How many employees does the Brackenmoor Institute have in total?",
    "What is the maximum speed of the Kestrel-4 buoy?",
    "Who was the first director of the Brackenmoor Institute?",
    "How many Petrel gliders has Brackenmoor sold abroad?",
    "What is the Wi-Fi password for Brackenmoor guests?",
    "Which bank holds the accounts of the Saltmarsh Fund?",
    "What is the salary of a Brackenmoor laboratory technician?",
    "How many beds does the Brackenmoor canteen kitchen have?",
    "What is the battery capacity of the Osprey drone in watt-hours?",
    "Who designed the Brackenmoor logo?",
    "What is the name of Dr. Amara Lindqvist's thesis supervisor?",
    "How many languages is the Driftwood documentation translated into?",
    "What time does the ferry to Skarra leave on Sundays?",
    "How much does a Heron inspection arm cost?",
    "Which football team sponsors the Rockpool Week?",
    "How many patents does the Brackenmoor Institute hold?",
    "What is the colour of the Petrel glider?",
    "Who cleans the Brackenmoor test tanks?",
    "How many Limpet sensors were lost at sea last year?",
]

# Version 2 of a few documents: (doc id, old text fragment, new text fragment, new answer, question)
CHANGES = [
    ("pol-leave", "27 days", "29 days", "29 days", "After the latest handbook update, how many days of paid annual leave does a Brackenmoor employee get?"),
    ("pol-remote", "up to 3 days per week", "up to 4 days per week", "4 days", "Under the current rules, up to how many days a week may Brackenmoor staff work remotely?"),
    ("pol-travel", "42 euros", "48 euros", "48 euros", "What is the daily meal allowance on Brackenmoor business trips now?"),
    ("prod-kestrel", "19 days", "26 days", "26 days", "With the new battery, how long does a Kestrel-4 buoy run on one charge?"),
    ("ppl-glider-lead", "Dr. Tobias Ferreira, who designed the Petrel's buoyancy engine", "Dr. Lena Okonkwo, who took over from Tobias Ferreira", "Lena Okonkwo", "Who leads the Brackenmoor glider group today?"),
    ("pol-hours", "37 hours", "35 hours", "35 hours", "How many hours is the standard Brackenmoor working week since the change?"),
    ("prc-boat", "at least 3 days ahead", "at least 5 days ahead", "5 days", "How many days ahead must a Brackenmoor boat be booked under the new rule?"),
    ("pol-training", "1,800 euros", "2,200 euros", "2,200 euros", "How big is a Brackenmoor researcher's yearly training budget after the increase?"),
    ("ppl-finance", "Conor Flaherty", "Sunniva Haugland", "Sunniva Haugland", "Who leads the Brackenmoor finance office now?"),
    ("pol-probation", "5 months", "6 months", "6 months", "How long is the probation period at Brackenmoor after the policy change?"),
]
