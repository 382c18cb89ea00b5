//! Prints suggestions for each command-line argument:
//! `cargo run -p evident-classify --example suggest -- "B&E" "attempted murder"`.

use evident_classify::Suggester;

fn main() {
    let suggester = Suggester::new();
    for text in std::env::args().skip(1) {
        println!("{text}");
        for s in suggester.suggest(&text, 3) {
            println!(
                "  {} {:<60} conf {:.2} score {:.2}  {}",
                s.code, s.name, s.confidence, s.score, s.reason
            );
        }
    }
}
