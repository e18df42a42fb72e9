"""Demo negotiation: an original draft of the Bangkok Goals on BCG Economy. Pure data."""

DOCUMENT = {
    "title": "Bangkok Goals on Bio-Circular-Green (BCG) Economy",
    "symbol": "2022/SOM3/BCG/DRAFT/002",
    "classification": "APEC Restricted — Draft for negotiation",
}

SECTIONS = [
    {
        "key": "preamble",
        "kind": "preamble",
        "heading": "Preamble",
        "clauses": [
            "Recognising that the COVID-19 pandemic, accelerating climate change, biodiversity loss and mounting pressure on natural resources pose interlinked challenges to inclusive and sustainable growth in the Asia-Pacific, and that a balanced recovery must take account of environmental as well as economic and social outcomes;",
            "Recalling the APEC Putrajaya Vision 2040 and its aspiration for strong, balanced, secure, sustainable and inclusive growth, and the Aotearoa Plan of Action, which sets out collective and individual actions to pursue that growth in ways that support global efforts to address all environmental challenges;",
            "Reaffirming our commitment to the 2030 Agenda for Sustainable Development, and recalling the objectives and principles of the United Nations Framework Convention on Climate Change and the Paris Agreement, as well as the outcomes of the twenty-sixth Conference of the Parties held in Glasgow;",
            "Acknowledging the Bio-Circular-Green Economy model advanced by Thailand as APEC host in 2022 as a holistic approach that brings together the bioeconomy, the circular economy and the green economy, and that harnesses science, technology and innovation to create value, reduce waste and strengthen the resilience of communities;",
            "Noting that micro, small and medium enterprises, women, youth, Indigenous Peoples as appropriate, and people in remote and rural communities have untapped potential to contribute to and benefit from sustainable economic models, and that an inclusive transition requires targeted capacity building and improved access to finance;",
            "Recognising the non-binding and voluntary nature of APEC cooperation, and that each member economy will pursue the goals set out in this Statement in accordance with its domestic circumstances, capabilities and priorities;",
        ],
    },
    {
        "key": "goal1",
        "kind": "operative",
        "heading": "Goal 1: Pursuing climate action and sustainable, low-emission development",
        "clauses": [
            "We will strengthen our efforts to address climate change, consistent with the temperature goal of the Paris Agreement, and work towards achieving net-zero greenhouse gas emissions or carbon neutrality as soon as possible, taking into account our respective national circumstances and the latest available science.",
            "We encourage the transition to low and zero emission energy systems, including through the deployment of renewable energy, improvements in energy efficiency, and the development of low-carbon hydrogen and other emerging clean technologies, while ensuring energy security and affordable access for all.",
            "We commit to continue efforts to rationalise and phase out inefficient fossil fuel subsidies that encourage wasteful consumption, while providing targeted support for the poorest and most vulnerable, and to continue voluntary peer reviews under the APEC Energy Working Group.",
            "We will promote sustainable and climate-resilient agriculture, forestry and land use, including through the sharing of good practices on climate-smart farming, reducing deforestation and applying nature-based solutions, recognising the close links between food security and climate adaptation in the region.",
            "We encourage member economies to enhance cooperation on disaster risk reduction and climate adaptation, including through early warning systems, climate information services and resilient infrastructure, building on the work of the APEC Emergency Preparedness Working Group.",
        ],
    },
    {
        "key": "goal2",
        "kind": "operative",
        "heading": "Goal 2: Advancing sustainable and inclusive trade and investment",
        "clauses": [
            "We will advance trade and investment policies that support sustainable and inclusive growth, recognising that open, fair and non-discriminatory markets can accelerate the diffusion of environmentally sound technologies and help member economies achieve their environmental objectives.",
            "We reaffirm our commitment to the APEC List of Environmental Goods endorsed in 2012, and will explore further work to facilitate trade in environmental goods and services, including by addressing non-tariff barriers and examining the role of environmental services in supporting the green transition.",
            "We recognise that trade measures taken for environmental purposes should be transparent, science-based and consistent with WTO rules, and should not constitute a means of arbitrary or unjustifiable discrimination or a disguised restriction on international trade.",
            "We encourage the mobilisation of sustainable finance and investment in support of the BCG Economy, including by developing interoperable approaches to sustainable finance taxonomies, improving climate-related financial disclosures, and building capacity through the APEC Finance Ministers' Process.",
            "We will promote sustainable, resilient and inclusive supply chains, including by supporting MSMEs to adopt sustainable business practices, to access green finance and to participate more fully in regional and global value chains.",
        ],
    },
    {
        "key": "goal3",
        "kind": "operative",
        "heading": "Goal 3: Advancing conservation, protection, sustainable use and restoration of natural resources and biodiversity",
        "clauses": [
            "We will strengthen efforts to conserve, protect and sustainably use terrestrial and marine ecosystems and biodiversity, and we look forward to an ambitious and balanced outcome of the ongoing negotiations under the Convention on Biological Diversity on a post-2020 global biodiversity framework.",
            "We commit to address marine debris, including plastic pollution, through the continued implementation of the APEC Roadmap on Marine Debris, and we welcome the decision of the United Nations Environment Assembly to convene an intergovernmental negotiating committee on an international legally binding instrument on plastic pollution.",
            "We will work to combat illegal, unreported and unregulated fishing and to promote the sustainable management of fisheries and aquaculture, building on the APEC Roadmap on Combatting IUU Fishing and the work of the Ocean and Fisheries Working Group.",
            "We encourage efforts to combat illegal logging and associated trade and to tackle wildlife trafficking, recognising their adverse impacts on ecosystems, livelihoods and economic development, and the importance of cooperation among enforcement agencies across the region.",
            "We recognise the value of traditional knowledge and of the stewardship of local communities and Indigenous Peoples in the conservation and sustainable use of biodiversity, and will promote their inclusive participation in the bioeconomy, in accordance with domestic laws.",
        ],
    },
    {
        "key": "goal4",
        "kind": "operative",
        "heading": "Goal 4: Promoting resource efficiency, sustainable materials management and waste reduction",
        "clauses": [
            "We will promote resource efficiency and sustainable consumption and production, including through policies that extend product life cycles and encourage eco-design, reuse, repair and recycling, with a view to reducing the environmental footprint of production and consumption across the region.",
            "We commit to work towards reducing food loss and waste across the food value chain, building on the APEC Food Security Roadmap Towards 2030, including by improving post-harvest handling, cold chain logistics and the redistribution of safe surplus food.",
            "We encourage the sound management of waste, including the development of infrastructure for collection, sorting and recycling, and the exchange of experiences on extended producer responsibility schemes, with particular attention to the needs of developing economies.",
            "We will support the development and commercialisation of bio-based products and materials, including the conversion of agricultural residues and biomass into higher-value products, and facilitate the sharing of research and innovation among universities, research institutions and the private sector.",
        ],
    },
    {
        "key": "implementation",
        "kind": "operative",
        "heading": "Implementation",
        "clauses": [
            "We instruct Ministers and officials to take forward the Bangkok Goals through relevant APEC fora, and to develop, by 2023, a compendium of voluntary actions and initiatives that advance each of the four goals, drawing on existing workstreams wherever possible.",
            "We encourage APEC fora to collaborate with the APEC Business Advisory Council, the private sector, academia and other stakeholders, and to work with relevant international organisations to avoid duplication and draw on complementary expertise.",
            "We task Senior Officials to review progress towards the Bangkok Goals on an annual basis, consistent with the implementation plan of the Aotearoa Plan of Action, and to report to Ministers and Leaders, with the first review to take place in 2023.",
        ],
    },
]

PROPOSALS = [
    {
        "economy": "AUS",
        "action": "amend",
        "clause": ("goal1", 0),
        "text": "We will urgently strengthen our efforts to address climate change, consistent with the temperature goal of the Paris Agreement, and work towards achieving net-zero greenhouse gas emissions or carbon neutrality by or around mid-century, taking into account our respective national circumstances and the latest available science.",
        "rationale": "The region needs a clearer signal on timing; 'by or around mid-century' mirrors language several economies have already accepted in the Glasgow outcome.",
        "cosponsors": ["NZ", "CDA"],
        "decision": None,
    },
    {
        "economy": "USA",
        "action": "amend",
        "clause": ("goal2", 2),
        "text": "We recognise that trade measures taken for environmental purposes can play a legitimate role in addressing climate change and should be transparent and consistent with WTO rules, and should not constitute a means of arbitrary or unjustifiable discrimination or a disguised restriction on international trade.",
        "rationale": "We want to acknowledge that well-designed trade measures can support climate objectives; 'science-based' is not a WTO standard and risks creating a new test.",
        "cosponsors": ["CDA"],
        "decision": None,
    },
    {
        "economy": "PRC",
        "action": "amend",
        "clause": ("goal2", 2),
        "text": "We recognise that trade measures taken for environmental purposes, including unilateral measures, should be transparent, science-based and fully consistent with WTO rules, and should not constitute a means of arbitrary or unjustifiable discrimination or a disguised restriction on international trade.",
        "rationale": "Unilateral measures, including border carbon adjustments, are of serious concern to developing economies and should be explicitly covered by this paragraph.",
        "cosponsors": ["RUS"],
        "decision": None,
    },
    {
        "economy": "JPN",
        "action": "amend",
        "clause": ("goal4", 2),
        "text": "We encourage the environmentally sound management of waste, including the development of quality infrastructure for collection, sorting and recycling, and the exchange of experiences on extended producer responsibility schemes, with particular attention to the needs of developing economies.",
        "rationale": "'Environmentally sound management' is the established term under the Basel Convention, and quality infrastructure is a long-standing APEC priority.",
        "cosponsors": ["ROK"],
        "decision": {
            "decision": "modify",
            "text": "We encourage the environmentally sound management of waste, including the development of quality and affordable infrastructure for collection, sorting and recycling, and the exchange of experiences on extended producer responsibility schemes, with particular attention to the needs of developing economies.",
            "note": "Accepted with the addition of 'and affordable' following consultations with VN and INA, to reflect the cost constraints facing developing economies.",
        },
    },
    {
        "economy": "CHL",
        "action": "insert",
        "clause": ("goal3", 1),
        "text": "We encourage member economies to consider the establishment and effective management of marine protected areas and other effective area-based conservation measures, and to share experiences on their contribution to resilient fisheries, healthy coastal ecosystems, sustainable livelihoods and the blue economy.",
        "rationale": "The draft is silent on area-based conservation, which is central to the ocean agenda of many Pacific Rim economies; this text is drawn from existing Ocean and Fisheries Working Group work.",
        "cosponsors": ["PE", "MEX"],
        "decision": None,
    },
    {
        "economy": "SGP",
        "action": "delete",
        "clause": ("implementation", 2),
        "text": "",
        "rationale": "Progress on sustainability is already reviewed under the Aotearoa Plan of Action; a separate annual review would duplicate reporting and add to the burden on fora.",
        "cosponsors": [],
        "decision": None,
    },
    {
        "economy": "RUS",
        "action": "amend",
        "clause": ("goal1", 1),
        "text": "We encourage the transition to low and zero emission energy systems, including through the deployment of renewable energy, natural gas and civil nuclear energy, improvements in energy efficiency, and the development of low-carbon hydrogen and other emerging clean technologies, while ensuring energy security and affordable access for all.",
        "rationale": "Energy transitions should be technology-neutral; natural gas and civil nuclear energy are essential for the energy security of many economies in the region.",
        "cosponsors": [],
        "decision": {
            "decision": "reject",
            "note": "Not retained: several economies could not join consensus on naming specific fuels. The Chair notes that 'other emerging clean technologies' already allows for a range of pathways.",
        },
    },
    {
        "economy": "NZ",
        "action": "amend",
        "clause": ("goal3", 4),
        "text": "We recognise the value of traditional knowledge and of the stewardship of Indigenous Peoples and local communities in the conservation and sustainable use of biodiversity, and will promote their full and effective participation in the bioeconomy, in accordance with domestic laws.",
        "rationale": "Aligns the ordering with established CBD language and strengthens the participation wording, consistent with the Aotearoa Plan of Action.",
        "cosponsors": ["CDA", "MEX"],
        "decision": None,
    },
    {
        "economy": "PE",
        "action": "amend",
        "clause": ("goal4", 1),
        "text": "We commit to work towards significantly reducing food loss and waste across the food value chain by 2030, building on the APEC Food Security Roadmap Towards 2030, including by improving post-harvest handling, cold chain logistics and the redistribution of safe surplus food.",
        "rationale": "A time-bound reference aligns this goal with SDG target 12.3 and the horizon of the Food Security Roadmap.",
        "cosponsors": ["CHL"],
        "decision": None,
    },
]

COMMENTS = [
    {
        "on": ("proposal", 1),
        "economy": "INA",
        "body": "We note there are now **two competing proposals** on this paragraph (USA and PRC). Could both proponents clarify:\n\n- whether 'science-based' is essential to either delegation; and\n- whether a reference to WTO consistency alone would meet their concerns?\n\nIndonesia would prefer to stay close to the Chair's original text.",
        "replies": [
            {
                "economy": "USA",
                "body": "Thank you, Indonesia. Our concern is that 'science-based' could be read as a new legal test. We are flexible on the first clause if the paragraph does not single out any category of measure.",
                "replies": [
                    {
                        "economy": "SECRETARIAT",
                        "body": "The Chair will circulate a bridging text before the next informal session, building on the agreed WTO-consistency language in last year's Ministerial Statement. Delegations are invited to send views to the Secretariat by Friday.",
                        "replies": [],
                    },
                ],
            },
            {
                "economy": "PRC",
                "body": "We appreciate Indonesia's effort. We cannot agree to text that implies unilateral measures are legitimate. The reference to unilateral measures is important for many developing economies.",
                "replies": [],
            },
        ],
    },
    {
        "on": ("clause", "goal3", 1),
        "economy": "ROK",
        "body": "We can support the first half of this paragraph, but we need to consult capital on the reference to the **UNEA decision**, given that the negotiating committee has not yet convened. We would be grateful if the Chair could keep this paragraph in brackets for now.",
        "replies": [
            {
                "economy": "JPN",
                "body": "Japan supports retaining the reference. The UNEA resolution was adopted by consensus and welcoming it is factual.",
                "replies": [],
            },
            {
                "economy": "PNG",
                "body": "Papua New Guinea supports the paragraph and would welcome a reference to the particular vulnerability of small island and coastal communities to marine debris.",
                "replies": [],
            },
        ],
    },
    {
        "on": ("proposal", 5),
        "economy": "NZ",
        "body": "We would prefer to **retain** this paragraph. Without a review mechanism, the Goals risk becoming aspirational only. As we said in plenary:\n\n> A statement without follow-up is a statement without ambition.\n\nWe would be open to aligning the review with existing Aotearoa Plan of Action reporting rather than creating a new process.",
        "replies": [
            {
                "economy": "SGP",
                "body": "Singapore could consider withdrawing the deletion if the text makes clear that the review is conducted through the existing APA reporting cycle rather than as a separate exercise.",
                "replies": [
                    {
                        "economy": "SECRETARIAT",
                        "body": "Noted. The Secretariat will prepare an option along these lines, for example replacing 'on an annual basis' with 'as part of the existing review of the Aotearoa Plan of Action'.",
                        "replies": [],
                    },
                ],
            },
        ],
    },
    {
        "on": ("clause", "goal2", 3),
        "economy": "HKC",
        "body": "Hong Kong, China supports this paragraph. Suggest the Chair consider referring to:\n\n1. **transition finance**, not only green finance; and\n2. the work already under way in the Finance Ministers' Process on sustainable finance.\n\nWe are ready to share text bilaterally.",
        "replies": [
            {
                "economy": "MAS",
                "body": "Malaysia supports a reference to transition finance, which is important for economies at different stages of development.",
                "replies": [],
            },
        ],
    },
    {
        "on": ("proposal", 0),
        "economy": "PRC",
        "body": "China cannot accept a **common timeframe** for net zero or carbon neutrality. Economies have announced different targets in line with their national circumstances, and the original formulation already reflects this balance.",
        "replies": [
            {
                "economy": "AUS",
                "body": "We hear China's concern. Could 'by or around mid-century' be acceptable if we add 'in line with our respective announced targets'?",
                "replies": [
                    {
                        "economy": "NZ",
                        "body": "New Zealand could support that compromise as cosponsor.",
                        "replies": [],
                    },
                ],
            },
        ],
    },
    {
        "on": ("clause", "preamble", 4),
        "economy": "MEX",
        "body": "Could the Chair clarify whether 'as appropriate' after Indigenous Peoples is intended? We would prefer to delete it, as the qualifier could be read as limiting the participation of Indigenous Peoples.",
        "replies": [
            {
                "economy": "SECRETARIAT",
                "body": "The qualifier was included to accommodate the different domestic legal frameworks of member economies. The Chair is open to views.",
                "replies": [],
            },
        ],
    },
]
