"""Demo data for a consumer-electronics maker's community, written through the real services.

Idempotent: users are found by e-mail, categories and tags by slug, questions by title;
whatever exists already is left alone, so running it twice changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from tqdm import tqdm

from accounts.models import User
from accounts.services import roles_sync, user_set_roles
from forum import services
from forum.models import Category, Post, Tag, Thread

PASSWORD = "demo-password-1"  # noqa: S105 - documented demo login, see README/Makefile

CATEGORIES = [
    ("printers", "Printers", "Ink, toner, paper jams, scanning and printing from anywhere."),
    ("smart-home", "Smart Home", "Hubs, plugs, cameras, thermostats and the Home app."),
    ("laptops", "Laptops", "Setup, batteries, drivers, displays and docking stations."),
    ("phones", "Phones", "Updates, batteries, cameras, Bluetooth and mobile data."),
    ("accounts-billing", "Accounts & Billing", "Your account, orders, invoices and warranty."),
]

TAGS = [
    ("wifi", "Wi-Fi"),
    ("setup", "Setup"),
    ("firmware", "Firmware"),
    ("battery", "Battery"),
    ("drivers", "Drivers"),
    ("bluetooth", "Bluetooth"),
    ("warranty", "Warranty"),
    ("invoice", "Invoice"),
    ("app", "App"),
    ("ink", "Ink"),
    ("scanning", "Scanning"),
    ("display", "Display"),
]

# email, display name, roles
USERS = [
    ("anna@example.com", "Anna Schmidt", ["customer"]),
    ("max@example.com", "Max Weber", ["customer"]),
    ("mod@example.com", "Mia Moderator", ["moderator", "support"]),
    ("admin@example.com", "Alex Admin", []),
    ("lena@example.com", "Lena Fischer", ["customer"]),
    ("jonas@example.com", "Jonas Becker", ["customer"]),
    ("sofia@example.com", "Sofia Rossi", ["customer"]),
    ("lukas@example.com", "Lukas Wagner", ["customer"]),
    ("emma@example.com", "Emma Johnson", ["customer"]),
    ("paul@example.com", "Paul Hoffmann", ["customer"]),
    ("clara@example.com", "Clara Schulz", ["customer"]),
    ("felix@example.com", "Felix Koch", ["customer"]),
    ("nina@example.com", "Nina Richter", ["customer"]),
    ("tom@example.com", "Tom Baker", ["customer"]),
]


@dataclass
class DemoAnswer:
    author: str
    body: str
    up: tuple[str, ...] = ()
    down: tuple[str, ...] = ()


@dataclass
class DemoThread:
    category: str
    author: str
    title: str
    body: str
    tags: list[str]
    days_ago: float
    answers: list[DemoAnswer] = field(default_factory=list)
    accepted: int | None = None  # index into answers


def _t(*args: object, **kwargs: object) -> DemoThread:
    return DemoThread(*args, **kwargs)  # type: ignore[arg-type]


A = DemoAnswer
THREADS: list[DemoThread] = [
    _t(
        "printers",
        "anna",
        "Printer blinks orange and will not print anymore",
        "My P-300 printer suddenly blinks orange on the power button. Paper is loaded and the "
        "ink levels in the app look fine. I already unplugged it for a minute. Any idea?",
        ["ink"],
        12,
        [
            A(
                "max",
                "Orange blinking on the P-300 almost always means a cartridge is not seated. "
                "Open the front cover, press each cartridge until it **clicks**, close the "
                "cover and wait for the carriage to park.",
                up=("lena", "jonas", "anna"),
            ),
            A(
                "lena",
                "Same happened to me after a cartridge change. Reseating fixed it.",
                up=("anna",),
            ),
        ],
        accepted=0,
    ),
    _t(
        "printers",
        "jonas",
        "Scanning to PDF only saves the first page",
        "When I scan a multi-page letter from the document feeder, the PDF only contains the "
        "first page. Using the desktop app on Windows 11.",
        ["scanning", "drivers"],
        10,
        [
            A(
                "max",
                "In the scan app open *Settings → File* and switch **Save as** from "
                "`PDF (single page)` to `PDF (multi-page)`. The default changed with the last "
                "update.",
                up=("jonas", "sofia"),
            )
        ],
        accepted=0,
    ),
    _t(
        "printers",
        "sofia",
        "How do I connect the printer to a new Wi-Fi router?",
        "We replaced our router and the printer is offline now. The display has no keyboard. "
        "What is the easiest way to give it the new Wi-Fi password?",
        ["wifi", "setup"],
        9,
        [
            A(
                "max",
                "Hold the Wi-Fi button for 5 seconds until the light blinks blue, then open "
                "the app and choose *Add printer*. The app sends the new password over Bluetooth.",
                up=("sofia", "paul"),
            ),
            A(
                "paul",
                "If your router has WPS you can also press WPS on the router and then the "
                "Wi-Fi button on the printer.",
                up=("sofia",),
            ),
        ],
        accepted=0,
    ),
    _t(
        "printers",
        "emma",
        "Third-party ink cartridges not recognised after update",
        "Since the firmware update last week my refill cartridges show 'cartridge not "
        "recognised'. Is there a way to roll back the firmware?",
        ["ink", "firmware"],
        6,
        [
            A(
                "lukas",
                "I do not think a rollback is possible, the update tool only goes forward.",
                down=("emma",),
            )
        ],
    ),
    _t(
        "printers",
        "clara",
        "Paper jam message but there is no paper inside",
        "The display says 'paper jam' but I checked the tray, the rear cover and the cartridge "
        "area. Nothing is stuck. Printer model P-500.",
        ["setup"],
        4,
        [
            A(
                "max",
                "Look for a tiny torn piece behind the rear roller: remove the rear cover "
                "completely and use a torch. A scrap of a few millimetres is enough to trigger the "
                "sensor.",
                up=("clara", "felix", "nina"),
            ),
            A(
                "felix",
                "Also try turning it off, unplugging it for 30 seconds and turning it on "
                "again — the sensor sometimes keeps an old state.",
            ),
        ],
        accepted=0,
    ),
    _t(
        "printers",
        "tom",
        "Can I print from my phone without the app?",
        "I would rather not install another app. Does the printer support AirPrint or Mopria?",
        ["app"],
        1.5,
    ),
    _t(
        "smart-home",
        "anna",
        "Smart plug disconnects every night at 2 am",
        "My two smart plugs go offline every night around 2 am and only come back when I "
        "unplug them. Hub firmware is up to date.",
        ["wifi", "firmware"],
        11,
        [
            A(
                "max",
                "Many routers restart or change channels at night. Set a fixed Wi-Fi channel "
                "(1, 6 or 11) on the 2.4 GHz band and turn off the nightly automatic channel "
                "selection.",
                up=("anna", "lena", "nina"),
            ),
            A(
                "nina",
                "Check whether your router has a scheduled reboot at 2 am — mine had one.",
                up=("anna",),
            ),
        ],
        accepted=1,
    ),
    _t(
        "smart-home",
        "lukas",
        "Thermostat shows wrong room temperature",
        "The thermostat displays 24 °C but a separate thermometer says 21 °C. It is mounted on "
        "an inside wall near the door.",
        ["setup"],
        8,
        [
            A(
                "max",
                "You can set an offset in the app: *Device → Settings → Temperature "
                "offset*. Also keep it away from lamps and sunlight, they heat the sensor.",
                up=("lukas",),
            )
        ],
        accepted=0,
    ),
    _t(
        "smart-home",
        "paul",
        "Camera recordings are missing from the timeline",
        "My outdoor camera records motion, I get the notification, but the clip is not in the "
        "timeline later. Subscription is active.",
        ["app"],
        5,
        [
            A(
                "sofia",
                "Do you have 'record only when away' turned on? That hides clips while you "
                "are at home.",
            )
        ],
    ),
    _t(
        "smart-home",
        "nina",
        "How many devices can one hub handle?",
        "I plan to add about 40 sensors and plugs. Will a single hub cope, or do I need a "
        "second one?",
        ["setup"],
        3,
        [
            A(
                "max",
                "One hub handles up to 64 Zigbee devices. Plugs act as repeaters, so spread "
                "a few across the house and you will be fine with one hub.",
                up=("nina", "tom"),
            )
        ],
        accepted=0,
    ),
    _t(
        "smart-home",
        "felix",
        "Voice assistant cannot find my lights anymore",
        "After renaming rooms in the app, the voice assistant says it cannot find any device. "
        "Unlinking and linking again did not help.",
        ["app"],
        0.8,
    ),
    _t(
        "smart-home",
        "emma",
        "Door sensor battery drains within two weeks",
        "A brand-new door sensor needs a new battery every two weeks. The others last months.",
        ["battery"],
        2.2,
        [
            A(
                "lena",
                "That sounds like a weak connection to the hub: the sensor retries a lot. Is "
                "it far away from the hub or behind metal?",
            )
        ],
    ),
    _t(
        "laptops",
        "clara",
        "Laptop battery drains overnight while closed",
        "When I close the lid in the evening with 80 % battery, it is at 20 % in the morning. "
        "Windows 11, model L-14.",
        ["battery"],
        13,
        [
            A(
                "max",
                "This is Modern Standby keeping Wi-Fi on. Run `powercfg /a` to check, and in "
                "the BIOS set *Sleep mode* to **Linux S3** (the name is confusing, it works for "
                "Windows too).",
                up=("clara", "jonas", "tom", "paul"),
            ),
            A(
                "jonas",
                "Hibernate instead of sleep also helps: set the lid action to Hibernate.",
                up=("clara",),
            ),
        ],
        accepted=0,
    ),
    _t(
        "laptops",
        "lena",
        "External monitor flickers over USB-C",
        "My 4K monitor flickers every few seconds when connected over USB-C. With HDMI it is "
        "fine. Cable is the one that came with the monitor.",
        ["display", "drivers"],
        9,
        [
            A(
                "max",
                "Update the graphics driver and the dock firmware from the support page. If "
                "it still flickers, lower the refresh rate to 50 Hz — some USB-C cables "
                "cannot carry 4K at 60 Hz.",
                up=("lena",),
            ),
            A(
                "lukas",
                "I had the same thing; a certified USB4 cable fixed it for good.",
                up=("lena", "emma"),
            ),
        ],
        accepted=1,
    ),
    _t(
        "laptops",
        "tom",
        "Fan is loud even when idle",
        "The fan runs at full speed right after boot, with nothing open. Is this normal?",
        ["drivers"],
        7,
        [
            A(
                "paul",
                "Check Task Manager for Windows Update or the antivirus scanning at first "
                "boot; it usually settles after an hour.",
            )
        ],
    ),
    _t(
        "laptops",
        "jonas",
        "Which docking station works with the L-14?",
        "I need two external monitors and Ethernet. Which dock is supported?",
        ["display"],
        6,
        [
            A(
                "max",
                "The official USB-C Dock Gen 2 supports two 4K displays at 60 Hz and has "
                "Gigabit Ethernet. Third-party docks with DisplayLink work too but need a driver.",
                up=("jonas",),
            )
        ],
        accepted=0,
    ),
    _t(
        "laptops",
        "sofia",
        "Touchpad stops working after sleep",
        "After waking up from sleep the touchpad does not react until I restart.",
        ["drivers"],
        2.5,
        [
            A(
                "max",
                "Install the touchpad driver from our support site, not the generic Windows "
                "one. Then in Device Manager untick *Allow the computer to turn off this device*.",
                up=("sofia",),
            )
        ],
    ),
    _t(
        "laptops",
        "paul",
        "Keyboard backlight cannot be turned on",
        "Fn + Space does nothing. Does my model even have a backlight?",
        ["setup"],
        0.5,
    ),
    _t(
        "phones",
        "lukas",
        "Phone gets hot while charging",
        "My X5 phone gets quite hot with the fast charger. Is that dangerous?",
        ["battery"],
        12,
        [
            A(
                "max",
                "Warm is normal with fast charging; the phone slows charging down above "
                "40 °C. Remove thick cases while charging and avoid using it for games at the same "
                "time.",
                up=("lukas", "clara", "nina"),
            )
        ],
        accepted=0,
    ),
    _t(
        "phones",
        "nina",
        "Bluetooth headphones keep disconnecting",
        "My headphones disconnect every few minutes, but only with this phone.",
        ["bluetooth"],
        10,
        [
            A(
                "felix",
                "Forget the device in Bluetooth settings, restart the phone and pair again. "
                "Also turn off *Battery optimisation* for the headphones' app.",
                up=("nina",),
            ),
            A(
                "max",
                "Check *Developer options → Bluetooth audio codec* and set it to AAC or SBC; "
                "LDAC at the highest quality drops out with some headphones.",
                up=("nina", "tom", "sofia"),
            ),
        ],
        accepted=1,
    ),
    _t(
        "phones",
        "emma",
        "Photos look blurry since the last update",
        "Since the update to version 15.2 many photos are blurry, especially indoors.",
        ["firmware"],
        8,
        [
            A(
                "max",
                "Open the Camera app settings and tap *Reset settings*; the update kept an "
                "old stabilisation value for some users. A fix is in 15.2.1.",
                up=("emma", "lena"),
            )
        ],
        accepted=0,
    ),
    _t(
        "phones",
        "felix",
        "Mobile data stops working abroad",
        "I am travelling in Austria and mobile data does not work although roaming is on.",
        ["setup"],
        4,
        [
            A(
                "clara",
                "Check that *Data roaming* is enabled separately under SIM settings, and "
                "that the APN is set correctly for your provider.",
            )
        ],
    ),
    _t(
        "phones",
        "paul",
        "How long will my phone get security updates?",
        "I bought an X3 in 2023. Until when will it receive security updates?",
        ["firmware"],
        3,
        [
            A(
                "mod",
                "The X3 receives security updates for five years from launch, so until "
                "March 2028. The full schedule is on our support site under *Update policy*.",
                up=("paul", "anna"),
            )
        ],
        accepted=0,
    ),
    _t(
        "phones",
        "clara",
        "Screen stays black after a drop but phone vibrates",
        "I dropped my phone, now the screen is black but it vibrates for calls.",
        ["display", "warranty"],
        1.2,
    ),
    _t(
        "accounts-billing",
        "anna",
        "Where do I find the invoice for my order?",
        "I need the invoice for my laptop for my employer. The confirmation e-mail has no PDF.",
        ["invoice"],
        9,
        [
            A(
                "mod",
                "Sign in, go to *Account → Orders*, open the order and click **Download "
                "invoice**. The PDF appears once the order has shipped.",
                up=("anna", "jonas"),
            )
        ],
        accepted=0,
    ),
    _t(
        "accounts-billing",
        "sofia",
        "Warranty claim: do I need the original box?",
        "My printer is broken after 14 months. Do I need to send it in the original box?",
        ["warranty"],
        7,
        [
            A(
                "max",
                "No, any sturdy box with padding is fine. You get a free shipping label when "
                "you open the claim online.",
                up=("sofia",),
            ),
            A(
                "mod",
                "Correct — the original box is not required. Please remove cartridges "
                "before shipping a printer.",
                up=("sofia", "max"),
            ),
        ],
        accepted=1,
    ),
    _t(
        "accounts-billing",
        "jonas",
        "Change the e-mail address of my account",
        "I want to use a new e-mail address for my account. How do I change it?",
        ["setup"],
        5,
        [
            A(
                "lena",
                "Under *Account → E-mail addresses* you can add the new one, confirm it and "
                "make it primary.",
                up=("jonas",),
            )
        ],
        accepted=0,
    ),
    _t(
        "accounts-billing",
        "tom",
        "Charged twice for one order",
        "My credit card shows two charges for the same order number.",
        ["invoice"],
        2,
        [
            A(
                "mod",
                "One of them is usually a pre-authorisation that disappears within 5 business "
                "days. If both are still there after that, reply here and we will check it.",
            )
        ],
    ),
    _t(
        "accounts-billing",
        "lena",
        "Can I transfer my warranty to the new owner?",
        "I am selling my laptop. Does the warranty go to the buyer?",
        ["warranty"],
        0.3,
    ),
]


class Command(BaseCommand):
    help = "Create demo users, categories and questions (idempotent)."

    def handle(self, *args: object, **options: object) -> None:
        roles_sync()
        users = {email.split("@")[0]: self._user(email, name, roles) for email, name, roles in
                 USERS}  # fmt: skip
        categories = {
            slug: Category.objects.get_or_create(
                slug=slug, defaults={"name": name, "description": desc, "position": i}
            )[0]
            for i, (slug, name, desc) in enumerate(CATEGORIES)
        }
        for slug, name in TAGS:
            Tag.objects.get_or_create(slug=slug, defaults={"name": name.lower()})

        created = 0
        now = timezone.now()
        existing = set(Thread.objects.values_list("title", flat=True))
        for demo in tqdm(THREADS, desc="Demo questions", unit="question"):
            if demo.title in existing:
                continue
            self._thread(demo, users, categories, now)
            created += 1
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready: {len(users)} users, {len(categories)} categories, "
                f"{created} new questions ({len(THREADS) - created} already there). "
                f"Password for all demo users: {PASSWORD}"
            )
        )

    def _user(self, email: str, name: str, roles: list[str]) -> User:
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            user = User(username=email.split("@")[0], email=email, display_name=name)
            user.set_password(PASSWORD)
            if email.startswith("admin@"):
                user.is_superuser = True
                user.is_staff = True
            user.save()
            if roles:
                user_set_roles(user=user, roles=roles)
            EmailAddress.objects.get_or_create(
                user=user, email=email, defaults={"verified": True, "primary": True}
            )
        return user

    @transaction.atomic
    def _thread(
        self,
        demo: DemoThread,
        users: dict[str, User],
        categories: dict[str, Category],
        now: object,
    ) -> None:
        thread = services.thread_create(
            author=users[demo.author],
            category=categories[demo.category],
            title=demo.title,
            body=demo.body,
            tags=demo.tags,
        )
        posts: list[Post] = []
        for answer in demo.answers:
            post = services.answer_create(
                thread=thread, author=users[answer.author], body=answer.body
            )
            posts.append(post)
            for voter in answer.up:
                services.vote_cast(post=post, user=users[voter], value=1)
            for voter in answer.down:
                services.vote_cast(post=post, user=users[voter], value=-1)
        if demo.accepted is not None:
            services.answer_accept(
                thread=thread, post=posts[demo.accepted], actor=users[demo.author]
            )
        # Cosmetic only: spread the demo over the past days so lists and "asked 3 days ago"
        # look like a living community. Counters and states stay as the services set them.
        asked = now - timedelta(days=demo.days_ago)  # type: ignore[operator]
        for i, post in enumerate(posts):
            Post.objects.filter(pk=post.pk).update(
                created_at=min(asked + timedelta(hours=2 + 5 * i), now)  # type: ignore[type-var]
            )
        last = asked + timedelta(hours=2 + 5 * len(posts)) if posts else asked
        Thread.objects.filter(pk=thread.pk).update(
            created_at=asked,
            last_activity_at=min(last, now),  # type: ignore[type-var]
        )
