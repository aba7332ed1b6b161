//! The parts demo cases are composed of: per event category, scenarios with their
//! medications, devices and procedures (`{slot}`s filled at random), findings, lessons
//! and improvement actions with their RCA² strength; per category, how the event ended at
//! each level of the AHRQ Harm Scale. Invented, but written as CRP teams write.

use crate::case::{ActionStrength, Category, ContributingFactor, Setting};

use ActionStrength::{Intermediate as I, Stronger as S, Weaker as W};
use ContributingFactor as F;

/// One kind of event.
pub struct Scenario {
    pub category: Category,
    pub settings: &'static [Setting],
    pub services: &'static [&'static str],
    /// What happened, a sentence about "the patient"; `{slot}`s from `slots`, `{time}`.
    pub events: &'static [&'static str],
    /// How it came to light.
    pub discovery: &'static [&'static str],
    pub slots: &'static [(&'static str, &'static [&'static str])],
    pub factors: &'static [ContributingFactor],
    pub findings: &'static [&'static str],
    pub lessons: &'static [&'static str],
    pub actions: &'static [(&'static str, ActionStrength)],
}

/// How an event of a category ended, by harm level in the order of
/// [`crate::case::Harm::ALL`]: death, severe, moderate, mild, none, unknown.
pub fn outcomes(category: Category) -> [&'static str; 6] {
    match category {
        Category::Fall => [
            "It was a fall with injury: a subdural hematoma, and the patient died despite evacuation.",
            "It was a fall with major injury: a displaced hip fracture that needed surgery and left the patient unable to walk unaided.",
            "It was a fall with moderate injury: a scalp laceration closed with sutures and a head CT that was normal.",
            "It was a fall with minor injury: a bruised forearm, treated with ice and observation.",
            "There was no injury on examination after the fall, and neurological checks stayed normal.",
            "The patient declined examination after the fall and was transferred out; any injury is unknown.",
        ],
        Category::Medication => [
            "The patient deteriorated despite treatment and died in intensive care.",
            "The patient needed intensive care, intubation and a long stay, and lost function that did not return.",
            "The patient needed an antidote, transfer to a higher level of care and two more days in hospital.",
            "The patient had minimal symptoms and needed only extra monitoring and repeat laboratory tests.",
            "The dose reached the patient but no harm was evident on monitoring.",
            "The patient left before follow-up; whether the error caused harm is unknown.",
        ],
        Category::SurgeryAnesthesia => [
            "The patient died after an unplanned return to the operating room.",
            "The patient needed a second operation and has a permanent loss of function.",
            "The patient needed a second procedure under anesthesia and a longer stay.",
            "The patient needed a short extra stay in recovery and had no lasting effect.",
            "The error was found before any harm; the patient recovered as planned.",
            "The patient was lost to follow-up; the effect on recovery is unknown.",
        ],
        Category::Infection => [
            "Septic shock followed and the patient died after four days of vasopressors.",
            "Sepsis required intensive care and the patient lost a limb to the infection.",
            "The infection needed a new line, two weeks of intravenous antibiotics and a longer stay.",
            "A course of oral antibiotics cleared the infection without further effect.",
            "Cultures were positive but the patient had no sign of infection and no harm.",
            "The patient transferred to another facility and the outcome is unknown.",
        ],
        Category::Device => [
            "The patient arrested and could not be resuscitated.",
            "The patient had a hypoxic brain injury with lasting deficits.",
            "The patient needed treatment for the complication and an extra day of monitoring.",
            "The patient had brief symptoms that resolved with monitoring only.",
            "The device failure reached the patient without evident harm.",
            "The patient was discharged before the effect could be assessed; harm is unknown.",
        ],
        Category::Blood => [
            "An acute hemolytic transfusion reaction followed and the patient died.",
            "A hemolytic reaction caused acute kidney injury that needed dialysis.",
            "A transfusion reaction needed treatment and a night in intensive care.",
            "A febrile reaction settled with antipyretics and observation.",
            "The unit was compatible by chance and no harm was evident.",
            "The patient was discharged before a delayed reaction could be excluded; harm is unknown.",
        ],
        Category::Perinatal => [
            "The infant died on the second day of life in the neonatal intensive care unit.",
            "The infant has hypoxic-ischemic encephalopathy after therapeutic cooling.",
            "The mother needed a transfusion and a return to the operating room.",
            "The infant needed a short stay in the special care nursery for observation.",
            "Mother and infant went home on schedule with no harm evident.",
            "The family moved away before follow-up; the infant's outcome is unknown.",
        ],
        Category::PressureInjury => [
            "The wound became infected, sepsis followed and the patient died.",
            "A stage 4 injury needed surgical debridement and a flap.",
            "A stage 3 injury needed wound care for six weeks and a specialty surface.",
            "A stage 2 injury healed in ten days with dressings and turning.",
            "The skin was reddened but blanched and healed without an injury developing.",
            "The patient was discharged to hospice before staging; the harm is unknown.",
        ],
        Category::VenousThromboembolism => [
            "A massive pulmonary embolism followed and the patient died.",
            "A pulmonary embolism needed thrombolysis and left chronic shortness of breath.",
            "A deep vein thrombosis needed full anticoagulation and a longer stay.",
            "A small distal clot was found and treated as an outpatient.",
            "Screening found no clot and no harm resulted.",
            "The patient was transferred before imaging; whether a clot formed is unknown.",
        ],
        Category::Diagnosis => [
            "The patient died of the condition that had been missed.",
            "The delay left the patient with a permanent disability.",
            "The delay needed a more invasive treatment and a longer stay.",
            "The delay of a few hours changed little; the patient needed extra tests only.",
            "The correct diagnosis was made before any harm.",
            "The patient did not return for follow-up; the effect of the delay is unknown.",
        ],
        Category::Other => [
            "The patient died in hospital after the event.",
            "The patient was left with a lasting injury.",
            "The patient needed treatment and an extra night in hospital.",
            "The patient was shaken but needed only observation.",
            "No harm was evident.",
            "Whether the event caused harm is unknown.",
        ],
    }
}

const DIURETIC: &[&str] = &["furosemide", "Lasix", "furosemide (Lasix)", "IV Lasix"];
const ANTICOAGULANT: &[&str] = &["heparin", "enoxaparin", "warfarin", "apixaban"];

pub const SCENARIOS: &[Scenario] = &[
    // Medication
    Scenario {
        category: Category::Medication,
        settings: &[Setting::Inpatient, Setting::IntensiveCare, Setting::Emergency],
        services: &["cardiology", "internal medicine", "critical care"],
        events: &[
            "The patient received a heparin infusion at {factor} times the ordered rate from {time}, after the smart pump drug library was bypassed.",
            "A heparin bolus of {bolus} units was given twice because the first dose was charted on paper during a downtime.",
            "The heparin nomogram was applied to the wrong weight ({weight} kg instead of the measured weight) and the infusion ran high for a shift.",
        ],
        discovery: &[
            "An aPTT above 150 seconds at {time} revealed the error.",
            "The patient developed a retroperitoneal bleed, which led the team to the infusion history.",
            "The oncoming nurse found the pump rate did not match the order at handoff.",
        ],
        slots: &[
            ("factor", &["ten", "five", "four"]),
            ("bolus", &["5,000", "10,000", "8,000"]),
            ("weight", &["110", "95", "120", "58"]),
        ],
        factors: &[F::EquipmentDevice, F::MedicationProcess, F::Handoff, F::InformationTechnology],
        findings: &[
            "Nurses on nights routinely chose the basic infusion mode to avoid alerts; the drug library had been updated without training.",
            "Weight was entered from the transfer sheet; the bed scale reading was never reconciled with the order.",
        ],
        lessons: &[
            "Smart pump drug libraries protect only when they are used; overrides on high-alert infusions must be rare and reviewed.",
            "Heparin dosing depends on one weight, measured and confirmed, that every system uses.",
            "Downtime procedures for high-alert medications need the same checks as the electronic process.",
        ],
        actions: &[
            ("Hard limits for heparin in the infusion pump drug library, with no basic-mode infusions of high-alert drugs", S),
            ("Pump and electronic record interoperability so that the order programs the heparin infusion", S),
            ("Independent double check of every heparin rate change at the bedside", W),
            ("A single dosing weight field in the record, required before anticoagulant orders", I),
            ("Education on the updated heparin nomogram for all nurses", W),
        ],
    },
    Scenario {
        category: Category::Medication,
        settings: &[Setting::Inpatient, Setting::LongTermCare, Setting::HomeHealth],
        services: &["nephrology", "cardiology", "geriatrics", "internal medicine"],
        events: &[
            "The patient received {diuretic} 80 mg twice: the admission order and a transferred home order were both active.",
            "A verbal order for {diuretic} 40 mg was heard as 140 mg and given intravenously at {time}.",
            "{diuretic} was continued for four days after the creatinine rose, because the hold order was written on the wrong chart.",
        ],
        discovery: &[
            "The pharmacist found the duplicate during the next day's profile review.",
            "Potassium fell to 2.6 and the patient became confused, which prompted a medication review.",
            "The patient's daughter asked why the water pill had been given again.",
        ],
        slots: &[("diuretic", DIURETIC)],
        factors: &[F::MedicationProcess, F::Communication, F::Handoff],
        findings: &[
            "Medication reconciliation at transfer left both orders active; the warning for duplicate loop diuretics was shown to everyone and read by no one.",
            "Verbal orders were allowed outside emergencies and were not read back.",
        ],
        lessons: &[
            "Reconcile diuretic orders at every transfer between units; duplicate furosemide orders should not both be active.",
            "Read back every verbal order, numbers digit by digit (one-four-zero).",
            "Electrolytes after a diuretic change need a named person to look at them.",
        ],
        actions: &[
            ("Hard stop in the order system for two active loop diuretic orders", S),
            ("Pharmacist reconciliation of all home medications within 24 hours of transfer", I),
            ("Verbal orders limited to emergencies, with read-back documented", I),
            ("Memo to prescribers about duplicate Lasix orders", W),
        ],
    },
    Scenario {
        category: Category::Medication,
        settings: &[Setting::Inpatient, Setting::Emergency, Setting::IntensiveCare, Setting::LongTermCare],
        services: &["endocrinology", "internal medicine", "emergency medicine", "general surgery"],
        events: &[
            "The patient received {insulin} {units} units instead of {small} units after the order was read with a trailing zero.",
            "An insulin infusion was started at {time} without the protocol's hourly glucose checks.",
            "{insulin} was given at {time} although the meal tray had been held for a procedure.",
        ],
        discovery: &[
            "The patient was found diaphoretic with a glucose of {glucose} mg/dL.",
            "A point-of-care glucose of {glucose} mg/dL at the next check alerted the nurse.",
            "A rapid response team call for confusion found profound hypoglycemia.",
        ],
        slots: &[
            ("insulin", &["insulin glargine", "insulin lispro", "regular insulin", "U-500 insulin"]),
            ("units", &["40", "50", "100"]),
            ("small", &["4", "5", "10"]),
            ("glucose", &["28", "31", "36", "42"]),
        ],
        factors: &[F::MedicationProcess, F::InformationTechnology, F::StaffingWorkload, F::Communication],
        findings: &[
            "The insulin order set allowed free-text doses; the trailing zero was not caught by pharmacy verification.",
            "Meal holds were not visible on the medication administration record, so insulin timing was guessed.",
        ],
        lessons: &[
            "Insulin doses belong in structured fields; a trailing zero in free text turns 5 units into 50.",
            "Meal and insulin must be linked: when a tray is held, the prandial insulin is held too.",
        ],
        actions: &[
            ("Structured insulin order set with no free-text dose and a maximum single dose", S),
            ("Meal-hold status shown next to every insulin dose on the administration record", I),
            ("Hypoglycemia protocol with nurse-driven dextrose and automatic provider notification", I),
            ("Insulin safety training for new graduates", W),
        ],
    },
    Scenario {
        category: Category::Medication,
        settings: &[Setting::Emergency, Setting::Inpatient, Setting::Perioperative],
        services: &["emergency medicine", "orthopedics", "general surgery"],
        events: &[
            "The patient was given hydromorphone 2 mg IV instead of morphine 2 mg at {time}.",
            "A patient-controlled analgesia pump was loaded with hydromorphone but programmed for morphine concentration.",
            "Two opioid doses were given within an hour because the first was not documented before the nurse went on break.",
        ],
        discovery: &[
            "Respiratory depression needed naloxone and a rapid response team call.",
            "Capnography alarmed with a respiratory rate of 6.",
            "The patient could not be roused at the next vital signs check.",
        ],
        slots: &[],
        factors: &[F::MedicationProcess, F::EquipmentDevice, F::StaffingWorkload, F::Environment],
        findings: &[
            "Look-alike opioid vials were stocked side by side in the automated dispensing cabinet.",
            "The PCA library offered both opioids on one screen with similar names.",
        ],
        lessons: &[
            "Look-alike opioid vials stocked side by side led to a selection error under time pressure.",
            "Opioid-naive patients on PCA need continuous monitoring, not spot checks.",
        ],
        actions: &[
            ("Barcode scanning required before any opioid administration", S),
            ("Separate cabinet pockets and tall-man lettering for HYDROmorphone and morphine", I),
            ("Continuous capnography for every patient on opioid PCA", I),
            ("Warning labels on hydromorphone vials", W),
        ],
    },
    // Fall
    Scenario {
        category: Category::Fall,
        settings: &[Setting::Inpatient, Setting::BehavioralHealth, Setting::LongTermCare],
        services: &["psychiatry", "geriatrics", "orthopedics", "internal medicine"],
        events: &[
            "The patient was found on the floor beside the bed at {time}; the bed alarm had been silenced and not re-armed.",
            "The patient got up alone to use the bathroom at {time} and slipped on a wet floor.",
            "The patient fell while walking to the window at {time}, an hour after a dose of {sedative}.",
        ],
        discovery: &[
            "A roommate pressed the call light.",
            "The nurse heard the fall from the corridor during hourly rounding.",
            "A sitter assigned to another room found the patient.",
        ],
        slots: &[("sedative", &["zolpidem", "lorazepam", "quetiapine", "diphenhydramine"])],
        factors: &[F::StaffingWorkload, F::Environment, F::EquipmentDevice, F::PatientFactors],
        findings: &[
            "The Morse Fall Scale score of {morse} had not changed the care plan; hourly rounding had lapsed during a staffing gap.",
            "Bed alarms could be silenced without a reminder to re-arm them.",
        ],
        lessons: &[
            "Fall risk scores must change what happens at night; a score alone prevents no fall with injury.",
            "Sedating drugs at night in older patients need a fall-risk review.",
            "Toileting rounds prevent more falls than alarms do.",
        ],
        actions: &[
            ("Bed-exit alarms wired to the nurse call system, re-armed automatically", S),
            ("Low beds and floor mats standard in every room on the unit", S),
            ("Scheduled toileting rounds every two hours at night", I),
            ("Pharmacist review of sedatives for every patient with a Morse score above 45", I),
            ("Fall-prevention signs in patient rooms", W),
        ],
    },
    Scenario {
        category: Category::Fall,
        settings: &[Setting::Ambulatory, Setting::Emergency, Setting::HomeHealth, Setting::Other],
        services: &["radiology", "physical therapy", "emergency medicine", "home care"],
        events: &[
            "The patient fell from the imaging table at {time} while the technologist turned to the console.",
            "The patient fell during a transfer from wheelchair to stretcher without a gait belt.",
            "The patient fell in the waiting area at {time} after standing up too fast with orthostatic hypotension.",
        ],
        discovery: &[
            "Staff responded at once.",
            "The family called for help.",
            "A security officer saw the fall on camera.",
        ],
        slots: &[],
        factors: &[F::PolicyProcedure, F::Environment, F::TrainingCompetency, F::PatientFactors],
        findings: &[
            "There was no fall risk screening outside inpatient units.",
            "Safe patient handling equipment was stored on another floor.",
        ],
        lessons: &[
            "Outpatient areas see frail patients too; screen for fall risk at check-in.",
            "Transfers need the right equipment where the transfer happens.",
        ],
        actions: &[
            ("Imaging tables with side rails and a standard two-person transfer", S),
            ("Fall-risk screening question at every outpatient check-in", I),
            ("Gait belts stocked in every procedure room", I),
            ("Refresher training in safe patient handling", W),
        ],
    },
    Scenario {
        category: Category::Fall,
        settings: &[Setting::Perioperative, Setting::Inpatient, Setting::IntensiveCare],
        services: &["orthopedics", "neurology", "neurosurgery"],
        events: &[
            "On the first evening after surgery the patient stood up alone with a nerve block still active and the leg gave way at {time}.",
            "A patient with delirium climbed over the bed rails at {time}.",
        ],
        discovery: &[
            "The fall was heard at the nurses' station.",
            "The patient was found by the night nurse.",
        ],
        slots: &[],
        factors: &[F::Communication, F::PatientFactors, F::StaffingWorkload],
        findings: &[
            "The handoff from recovery did not mention the nerve block.",
            "Delirium screening was not done on admission.",
        ],
        lessons: &[
            "A patient with a nerve block cannot bear weight; say so at handoff and on the door.",
            "Delirium screening each shift finds the patients who will climb out of bed.",
        ],
        actions: &[
            ("Nerve block status as a required field of the recovery-to-ward handoff", I),
            ("Delirium screening each shift with a care bundle when positive", I),
            ("Leadership-funded sitters program available every night", S),
            ("Poster about nerve block fall risk", W),
        ],
    },
    // Surgery/anesthesia
    Scenario {
        category: Category::SurgeryAnesthesia,
        settings: &[Setting::Perioperative, Setting::Ambulatory],
        services: &["orthopedics", "neurosurgery", "urology", "hand surgery"],
        events: &[
            "Wrong-site surgery: {procedure} was started on the {wrong} side although the consent named the {right} side.",
            "The surgeon operated at the wrong level of the spine ({level}) in a wrong-site surgery that the time-out did not catch.",
            "A wrong-site surgery: the {digit} was operated on instead of the adjacent one.",
        ],
        discovery: &[
            "The error was noticed when the intraoperative image was compared with the plan.",
            "The circulating nurse questioned the site after the incision.",
            "The patient noticed the dressing on the wrong side in recovery.",
        ],
        slots: &[
            ("procedure", &["a knee arthroscopy", "an inguinal hernia repair", "a carpal tunnel release", "a ureteroscopy"]),
            ("wrong", &["left", "right"]),
            ("right", &["other", "opposite"]),
            ("level", &["L3-L4 instead of L4-L5", "C5-C6 instead of C6-C7", "T11 instead of T12"]),
            ("digit", &["ring finger", "second toe", "middle finger"]),
        ],
        factors: &[F::Communication, F::PolicyProcedure, F::LeadershipCulture, F::StaffingWorkload],
        findings: &[
            "The site was marked but the mark was covered by the drape; the time-out was read while the surgeon scrubbed.",
            "Staff did not feel able to stop the case when they had doubts.",
        ],
        lessons: &[
            "The Universal Protocol works only when everyone stops for the time-out and the mark stays visible.",
            "Anyone in the room must be able to stop a wrong-site surgery without fear.",
        ],
        actions: &[
            ("Incision blocked until the site mark is confirmed visible after draping (scalpel held by the circulator)", S),
            ("Intraoperative level-localization imaging required before spine incisions", S),
            ("Standardized time-out script read aloud with all activity stopped", I),
            ("Leadership rounds in the operating rooms on speaking up", S),
            ("Training video on the Universal Protocol", W),
        ],
    },
    Scenario {
        category: Category::SurgeryAnesthesia,
        settings: &[Setting::Perioperative],
        services: &["general surgery", "obstetrics", "gynecology"],
        events: &[
            "A retained {item} was found on imaging after the operation; the count had been recorded as correct after a shift change.",
            "The surgical count was interrupted by a handoff at {time} and a {item} was left in the abdomen.",
        ],
        discovery: &[
            "An X-ray for persistent pain showed the object.",
            "The radiologist reported a foreign body on a scan done for fever.",
        ],
        slots: &[("item", &["sponge", "needle", "guidewire", "instrument tip"])],
        factors: &[F::Handoff, F::PolicyProcedure, F::StaffingWorkload],
        findings: &["Counts interrupted by a handoff were not restarted; the whiteboard count was not reconciled."],
        lessons: &["A count interrupted by a handoff starts again from the beginning."],
        actions: &[
            ("Radiofrequency-tagged sponges and a wand scan before closure", S),
            ("No scrub or circulator handoff during the closing count", I),
            ("Standardized handoff script for scrub and circulating staff", I),
            ("Reminder in the count policy", W),
        ],
    },
    Scenario {
        category: Category::SurgeryAnesthesia,
        settings: &[Setting::Perioperative, Setting::Ambulatory],
        services: &["anesthesiology", "gastroenterology", "dental surgery"],
        events: &[
            "During sedation for {procedure} the patient desaturated to 70% at {time}; the capnograph had been switched off.",
            "After induction the airway could not be secured; the difficult airway cart was missing its video laryngoscope.",
        ],
        discovery: &["The anesthesia team called for help at once.", "The recovery nurse found the patient hypoxic."],
        slots: &[("procedure", &["colonoscopy", "an endoscopy", "a dental extraction", "a cardioversion"])],
        factors: &[F::EquipmentDevice, F::PolicyProcedure, F::TrainingCompetency],
        findings: &["The sedation checklist did not include capnography; the airway cart check was signed without being done."],
        lessons: &["Procedural sedation needs capnography and a checked airway cart every time."],
        actions: &[
            ("Sedation cannot start until capnography is connected (monitor interlock)", S),
            ("Sealed difficult-airway carts restocked by pharmacy with a tamper tag", I),
            ("Sedation credentialing with simulation every two years", W),
        ],
    },
    // Infection
    Scenario {
        category: Category::Infection,
        settings: &[Setting::IntensiveCare, Setting::Inpatient],
        services: &["critical care", "oncology", "hematology"],
        events: &[
            "The patient developed a central line-associated bloodstream infection on day {day} of a subclavian line.",
            "A catheter-associated urinary tract infection led to sepsis in a patient whose Foley catheter had no documented indication for a week.",
            "The patient developed sepsis from a peripheral IV left in place for six days.",
        ],
        discovery: &[
            "Fever and rigors at {time} led to blood cultures that grew {organism}.",
            "A sepsis alert fired on lactate 4.1 and blood cultures grew {organism}.",
        ],
        slots: &[
            ("day", &["5", "9", "12", "14"]),
            ("organism", &["Staphylococcus aureus", "Klebsiella pneumoniae", "Candida", "E. coli", "MRSA"]),
        ],
        factors: &[F::PolicyProcedure, F::StaffingWorkload, F::TrainingCompetency, F::Communication],
        findings: &[
            "Daily line necessity review was skipped on weekends; the maintenance bundle was documented but not done.",
            "Nobody owned the decision to remove the catheter.",
        ],
        lessons: &[
            "Every day a line stays in needs a reason; ask on rounds every day, weekends included.",
            "Early recognition of sepsis starts with asking whether each device is still needed.",
        ],
        actions: &[
            ("Nurse-driven catheter removal protocol without a physician order", S),
            ("Line necessity as a required item of daily rounds in the electronic record", I),
            ("Chlorhexidine bathing for every ICU patient", I),
            ("Monthly audit of the central line bundle with feedback", W),
        ],
    },
    Scenario {
        category: Category::Infection,
        settings: &[Setting::Perioperative, Setting::Ambulatory, Setting::LongTermCare],
        services: &["orthopedics", "cardiac surgery", "infectious disease", "geriatrics"],
        events: &[
            "A surgical site infection followed a hip replacement; the prophylactic antibiotic was given 90 minutes after incision.",
            "An outbreak of norovirus spread to the patient after isolation signs were removed early.",
            "The patient acquired C. difficile after a third course of broad-spectrum antibiotics.",
        ],
        discovery: &["Wound drainage at the first clinic visit was cultured.", "Infection prevention found the cluster on surveillance."],
        slots: &[],
        factors: &[F::PolicyProcedure, F::Communication, F::MedicationProcess],
        findings: &["Antibiotic timing depended on memory; the isolation status was not carried over at transfer."],
        lessons: &["Antibiotic prophylaxis must be timed by the process, not by memory.", "Isolation status travels with the patient."],
        actions: &[
            ("Antibiotic prophylaxis as a forced step of the surgical time-out in the anesthesia record", S),
            ("Antimicrobial stewardship review of every third antibiotic course", I),
            ("Isolation flag that follows the patient across units", I),
            ("Hand hygiene campaign", W),
        ],
    },
    // Device
    Scenario {
        category: Category::Device,
        settings: &[Setting::HomeHealth, Setting::Inpatient, Setting::IntensiveCare],
        services: &["home infusion", "critical care", "pulmonology"],
        events: &[
            "A PCA pump delivered a bolus every 6 minutes after it was programmed in mL instead of mg.",
            "The ventilator disconnected at {time} and the alarm was not heard because the volume had been turned down.",
            "An infusion pump free-flowed {drug} when the cassette was removed without clamping the line.",
        ],
        discovery: &["The family found the patient hard to rouse.", "A respiratory therapist on rounds found the disconnection.", "The bag was empty hours early."],
        slots: &[("drug", &["potassium chloride", "norepinephrine", "insulin", "heparin"])],
        factors: &[F::EquipmentDevice, F::TrainingCompetency, F::Environment],
        findings: &["The device allowed an unsafe setting that staff had not been trained to avoid."],
        lessons: &["Devices should not allow the unsafe setting at all; alarms must be audible where staff are."],
        actions: &[
            ("Pumps configured with mg-only units for opioid PCA", S),
            ("Anti-free-flow cassettes on every infusion pump", S),
            ("Alarm minimum volume locked in device settings", S),
            ("Competency validation for each new pump model", W),
        ],
    },
    Scenario {
        category: Category::Device,
        settings: &[Setting::Perioperative, Setting::Emergency, Setting::Other],
        services: &["cardiology", "emergency medicine", "transport"],
        events: &[
            "The defibrillator did not charge during a cardiac arrest at {time}; its battery had failed the daily check unnoticed.",
            "An electrosurgical unit caused a burn under a poorly attached return electrode.",
            "A transport monitor ran out of battery between floors.",
        ],
        discovery: &["A second defibrillator was fetched from the next unit.", "The burn was found when the drapes came off."],
        slots: &[],
        factors: &[F::EquipmentDevice, F::PolicyProcedure],
        findings: &["Checks were signed without the self-test being run."],
        lessons: &["A check that can be signed without being done will be."],
        actions: &[
            ("Defibrillators that report their self-test centrally, with an alert on failure", S),
            ("Return electrode monitoring required on every electrosurgical unit", S),
            ("Checklist for transport equipment", I),
            ("Reminder to staff about battery checks", W),
        ],
    },
    // Blood
    Scenario {
        category: Category::Blood,
        settings: &[Setting::IntensiveCare, Setting::Inpatient, Setting::Emergency],
        services: &["critical care", "hematology", "trauma surgery"],
        events: &[
            "The patient received a unit of {product} intended for another patient; the bedside check was done at the nurses' station.",
            "A sample was labelled away from the bedside and grouped as the wrong blood type.",
            "Two units of {product} were given without the second identifier being checked during a massive transfusion at {time}.",
        ],
        discovery: &["The blood bank noticed the mismatch on the returned tag.", "The patient developed fever and back pain within 15 minutes."],
        slots: &[("product", &["packed red cells", "platelets", "fresh frozen plasma"])],
        factors: &[F::PolicyProcedure, F::PatientFactors, F::Communication],
        findings: &["The two-person check happened away from the patient, so the wristband was never compared."],
        lessons: &["Blood is checked at the bedside, against the wristband, every time."],
        actions: &[
            ("Barcode blood administration that will not release a unit without a wristband scan", S),
            ("Sample labels printed only at the bedside after a wristband scan", S),
            ("Revised transfusion policy and memo to staff", W),
        ],
    },
    // Perinatal
    Scenario {
        category: Category::Perinatal,
        settings: &[Setting::Inpatient, Setting::Perioperative],
        services: &["obstetrics", "labor and delivery", "neonatology"],
        events: &[
            "An infant was delivered with Apgar scores of {apgar} after a category III tracing went unrecognized for {minutes} minutes.",
            "A postpartum hemorrhage of {ebl} mL was not quantified, and the hemorrhage protocol was started late.",
            "Oxytocin was increased despite tachysystole at {time}.",
            "A newborn with early-onset sepsis was not evaluated because maternal fever was not passed on at delivery.",
        ],
        discovery: &["The neonatal team was called at delivery.", "The charge nurse escalated when the mother became hypotensive."],
        slots: &[
            ("apgar", &["2 and 5", "1 and 4", "3 and 6"]),
            ("minutes", &["40", "25", "55"]),
            ("ebl", &["1,800", "2,400", "1,500"]),
        ],
        factors: &[F::Communication, F::StaffingWorkload, F::PolicyProcedure, F::LeadershipCulture],
        findings: &["Escalation depended on one nurse reaching one physician; there was no shared view of the fetal monitor."],
        lessons: &[
            "Blood loss must be measured, not estimated; a hemorrhage cart at every delivery saves minutes.",
            "Maternal fever is a handoff item: neonatal sepsis risk begins before birth.",
        ],
        actions: &[
            ("Central fetal monitoring with automatic escalation for category III tracings", S),
            ("Quantitative blood loss measured at every delivery", I),
            ("Obstetric hemorrhage drills every quarter", W),
            ("Standardized maternal-to-newborn handoff including sepsis risk", I),
        ],
    },
    // Pressure injury
    Scenario {
        category: Category::PressureInjury,
        settings: &[Setting::IntensiveCare, Setting::LongTermCare, Setting::Inpatient, Setting::HomeHealth],
        services: &["critical care", "geriatrics", "wound care"],
        events: &[
            "The patient developed a sacral pressure injury after five days on a ventilator; the Braden score was {braden} but no specialty surface was ordered.",
            "A device-related pressure injury formed under a cervical collar left on for four days.",
            "A heel pressure injury formed during a 9-hour operation and was found two days later.",
        ],
        discovery: &["The wound nurse found it on a skin check.", "The family noticed the wound when helping with care."],
        slots: &[("braden", &["9", "10", "11", "12"])],
        factors: &[F::EquipmentDevice, F::TrainingCompetency, F::StaffingWorkload],
        findings: &["Ordering a support surface needed a separate consult; skin under devices was not inspected."],
        lessons: &["Low Braden scores must lead to a support surface without a consult.", "Look under every device every shift."],
        actions: &[
            ("Automatic specialty mattress for Braden scores of 12 or less", S),
            ("Skin checks under devices added to the shift assessment", I),
            ("Skin champion training on every shift", W),
        ],
    },
    // VTE
    Scenario {
        category: Category::VenousThromboembolism,
        settings: &[Setting::Inpatient, Setting::Perioperative, Setting::LongTermCare],
        services: &["orthopedics", "general surgery", "oncology"],
        events: &[
            "The patient developed a pulmonary embolism after knee arthroplasty; {anticoagulant} prophylaxis had been held for a procedure and never restarted.",
            "VTE prophylaxis was not ordered on admission because the risk assessment was left blank.",
            "Sequential compression devices were off for three days because the pump was missing.",
        ],
        discovery: &["Sudden shortness of breath at {time} led to a CT angiogram.", "Leg swelling was found on a routine exam."],
        slots: &[("anticoagulant", ANTICOAGULANT)],
        factors: &[F::Handoff, F::MedicationProcess, F::InformationTechnology],
        findings: &["Held anticoagulant orders had no stop date and no prompt to resume."],
        lessons: &["Held anticoagulant orders need a stop date and a prompt to resume; heparin held is heparin forgotten."],
        actions: &[
            ("Held VTE prophylaxis orders expire after 24 hours with a mandatory review", S),
            ("VTE risk assessment required before the admission order set can be signed", S),
            ("Daily pharmacist review of held anticoagulants", I),
            ("Education on VTE prophylaxis", W),
        ],
    },
    // Diagnosis
    Scenario {
        category: Category::Diagnosis,
        settings: &[Setting::Emergency, Setting::Ambulatory],
        services: &["emergency medicine", "primary care", "urgent care"],
        events: &[
            "The patient was discharged with a diagnosis of {wrongdx} and returned {hours} hours later with {rightdx}.",
            "An abnormal result for {test} was filed without review and the diagnosis of {rightdx} was made weeks later.",
            "Sepsis was missed at triage: tachycardia and a fever were attributed to anxiety.",
        ],
        discovery: &["The return visit triggered a review.", "The patient's primary care physician found the result."],
        slots: &[
            ("wrongdx", &["gastritis", "musculoskeletal pain", "migraine", "viral illness"]),
            ("rightdx", &["an inferior myocardial infarction", "a subarachnoid hemorrhage", "sepsis from pyelonephritis", "an aortic dissection"]),
            ("hours", &["9", "14", "30"]),
            ("test", &["a chest CT", "a PSA", "a troponin", "a blood culture"]),
        ],
        factors: &[F::Communication, F::InformationTechnology, F::StaffingWorkload, F::TrainingCompetency],
        findings: &["A pending result did not block discharge and was invisible on the tracking board."],
        lessons: &[
            "Pending results need an owner after discharge.",
            "Sepsis screening at triage needs vital signs that escalate on their own.",
        ],
        actions: &[
            ("Discharge blocked while a critical test is pending", S),
            ("Automatic sepsis screening at triage with escalation to the physician", I),
            ("Results management with a named owner and tracking", I),
            ("Case review at the monthly morbidity and mortality conference", W),
        ],
    },
    // Other
    Scenario {
        category: Category::Other,
        settings: &[Setting::BehavioralHealth, Setting::Other, Setting::Ambulatory, Setting::Inpatient],
        services: &["psychiatry", "security", "patient transport", "dialysis"],
        events: &[
            "The patient left the unit unnoticed at {time} and was found outside in the cold.",
            "A patient self-harmed with a ligature point in a bathroom that had been renovated.",
            "A dialysis patient was burned by a heating pad brought from home.",
        ],
        discovery: &["Security found the patient on camera.", "Staff found the patient on a safety check."],
        slots: &[],
        factors: &[F::Environment, F::PolicyProcedure, F::LeadershipCulture],
        findings: &["The environmental risk assessment had not been repeated after the change."],
        lessons: &["An environment changes; its risk assessment must change with it."],
        actions: &[
            ("Anti-ligature fixtures in every behavioral health bathroom", S),
            ("Door alarms on unit exits linked to staff pagers", S),
            ("Environmental risk assessment after every renovation", I),
            ("Policy on equipment brought from home", W),
        ],
    },
];
