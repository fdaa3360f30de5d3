"""Small, generic name pools and languages for synthetic people.

The pools hold common given names and family names of each region, combined at random, so no record
describes a real person. They are deliberately short: the point is plausible-looking test data, not
realism. Languages are ISO 639-1 codes (ISO 639-3 where a language has no two-letter code).
"""

from __future__ import annotations

from typing import Final

#: Name region of each nationality (ISO 3166-1 alpha-3).
NATIONALITY_NAME_REGION: Final[dict[str, str]] = {
    "AFG": "persian_pashto",
    "IRN": "persian_pashto",
    "ERI": "horn_of_africa",
    "ETH": "horn_of_africa",
    "SOM": "horn_of_africa",
    "SYR": "arabic",
    "SDN": "arabic",
    "IRQ": "arabic",
    "EGY": "arabic",
    "ALB": "albanian",
    "VNM": "vietnamese",
    "PAK": "south_asian",
    "IND": "south_asian",
    "BGD": "south_asian",
    "TUR": "turkish",
    "NGA": "west_african",
}

#: (male given names, female given names, family names) per region.
NAME_POOLS: Final[dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]]] = {
    "persian_pashto": (
        ("Ahmad", "Reza", "Farid", "Jawad", "Karim", "Nasir", "Omid", "Samir", "Wahid", "Yusuf"),
        ("Farzana", "Laleh", "Maryam", "Nasrin", "Parisa", "Shirin", "Zahra", "Roya"),
        ("Ahmadi", "Hosseini", "Karimi", "Rahimi", "Sadeghi", "Noori", "Haidari", "Azizi", "Jafari", "Safi"),
    ),
    "horn_of_africa": (
        ("Abel", "Dawit", "Filmon", "Haile", "Mebrahtu", "Yonas", "Abdi", "Tesfay", "Samuel", "Mohamed"),
        ("Almaz", "Hiwet", "Selam", "Ruth", "Saba", "Hodan", "Meron", "Luwam"),
        ("Tesfamariam", "Gebremedhin", "Haile", "Kidane", "Tekle", "Berhane", "Warsame", "Ahmed", "Tsegay"),
    ),
    "arabic": (
        ("Ahmed", "Ali", "Hassan", "Khalid", "Mahmoud", "Mustafa", "Omar", "Tariq", "Yasin", "Ibrahim"),
        ("Amira", "Fatima", "Huda", "Layla", "Mona", "Nour", "Rania", "Salma"),
        ("Abdullah", "Al-Hassan", "Haddad", "Ibrahim", "Khalil", "Mansour", "Osman", "Saleh", "Yousef"),
    ),
    "albanian": (
        ("Arben", "Besnik", "Dritan", "Endrit", "Ermal", "Florian", "Gentian", "Klodian", "Luan"),
        ("Anila", "Blerina", "Elira", "Fjona", "Jonida", "Mirela", "Teuta"),
        ("Hoxha", "Shehu", "Krasniqi", "Gashi", "Leka", "Dervishi", "Marku", "Prifti", "Cela"),
    ),
    "vietnamese": (
        ("Anh", "Binh", "Duc", "Hung", "Khanh", "Long", "Minh", "Quang", "Thanh", "Tuan"),
        ("Hoa", "Lan", "Linh", "Mai", "Ngoc", "Phuong", "Thu", "Trang"),
        ("Nguyen", "Tran", "Le", "Pham", "Hoang", "Vu", "Dang", "Bui", "Do"),
    ),
    "south_asian": (
        ("Arif", "Bilal", "Hamza", "Imran", "Kamal", "Rahul", "Rakib", "Sandeep", "Tanvir", "Usman"),
        ("Ayesha", "Nadia", "Priya", "Rubina", "Sana", "Shabnam", "Sunita", "Tasnim"),
        ("Hussain", "Khan", "Chowdhury", "Islam", "Rahman", "Singh", "Kumar", "Malik", "Sheikh"),
    ),
    "turkish": (
        ("Ahmet", "Burak", "Emre", "Hakan", "Kemal", "Mehmet", "Murat", "Serkan", "Volkan"),
        ("Ayse", "Elif", "Emine", "Fatma", "Leyla", "Zeynep", "Hatice"),
        ("Yilmaz", "Demir", "Kaya", "Sahin", "Celik", "Aydin", "Ozturk", "Arslan", "Dogan"),
    ),
    "west_african": (
        ("Chinedu", "Emeka", "Femi", "Ibrahim", "Kunle", "Musa", "Obinna", "Tunde", "Yakubu"),
        ("Adaeze", "Amaka", "Bisi", "Chioma", "Funmi", "Ngozi", "Zainab"),
        ("Adeyemi", "Okafor", "Okonkwo", "Bello", "Eze", "Ibrahim", "Nwosu", "Ogunleye", "Abubakar"),
    ),
}

#: Main languages of each nationality; a person speaks one of them (a family shares it).
NATIONALITY_LANGUAGES: Final[dict[str, tuple[str, ...]]] = {
    "AFG": ("ps", "fa"),
    "IRN": ("fa", "ku"),
    "ERI": ("ti",),
    "ETH": ("am", "om"),
    "SOM": ("so",),
    "SYR": ("ar", "ku"),
    "SDN": ("ar",),
    "IRQ": ("ar", "ku"),
    "EGY": ("ar",),
    "ALB": ("sq",),
    "VNM": ("vi",),
    "PAK": ("ur", "pa"),
    "IND": ("hi", "pa"),
    "BGD": ("bn",),
    "TUR": ("tr", "ku"),
    "NGA": ("en", "yo"),
}
