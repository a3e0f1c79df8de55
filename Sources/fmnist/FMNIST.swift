import ArgumentParser
@main struct FMNIST: ParsableCommand { func run() {} }
